/* cli.h — the subcommands of digitlab-cli. Each takes the arguments after its
 * name (argv[0] is the subcommand) and returns the process exit status. */
#pragma once

int cmd_train(int argc, char **argv);
int cmd_ablation(int argc, char **argv);
int cmd_evaluate(int argc, char **argv);
int cmd_predict(int argc, char **argv);
int cmd_finetune(int argc, char **argv);
int cmd_calibrate(int argc, char **argv);
int cmd_download(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_plot(int argc, char **argv);
int cmd_report(int argc, char **argv);
