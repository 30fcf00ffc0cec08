/* Adam against hand-computed values, and the learning-rate schedule. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "optim.h"
#include "schedule.h"

/* Two steps of Keras' Adam (lr 0.01, beta1 0.9, beta2 0.999, eps 1e-7) on two
 * parameters, values worked out by hand (and checked in double precision):
 *   t=1, g=(0.5,-0.1):  m=(0.05,-0.01)   v=(2.5e-4,1e-5)       p=(0.990000063,-1.99000032)
 *   t=2, g=(-0.2,0.3):  m=(0.025,0.021)  v=(2.8975e-4,9.999e-5) p=(0.986544025,-1.99494217) */
/* |a - b| <= rel * |b|: the moments are float computations of tiny numbers. */
#define assert_rel(a, b, rel) assert_true(fabs((double)(a) - (b)) <= (rel) * fabs(b))

static void
test_adam_two_steps(void **state)
{
    (void)state;
    NnAdam adam = nn_adam_default();
    assert_float_equal(adam.beta1, 0.9, 1e-9);
    assert_float_equal(adam.beta2, 0.999, 1e-9);
    assert_float_equal(adam.epsilon, 1e-7, 1e-12);

    float p[2] = { 1.0f, -2.0f }, m[2] = { 0 }, v[2] = { 0 };
    uint64_t step = 0;
    nn_adam_update(&adam, 0.01f, &step, p, (const float[]){ 0.5f, -0.1f }, m, v, 2);
    assert_int_equal(step, 1);
    assert_rel(m[0], 0.05, 1e-4);
    assert_rel(m[1], -0.01, 1e-4);
    assert_rel(v[0], 2.5e-4, 1e-4);
    assert_rel(v[1], 1e-5, 1e-4);
    assert_float_equal(p[0], 0.990000063, 2e-7);
    assert_float_equal(p[1], -1.99000032, 2e-7);

    nn_adam_update(&adam, 0.01f, &step, p, (const float[]){ -0.2f, 0.3f }, m, v, 2);
    assert_int_equal(step, 2);
    assert_rel(m[0], 0.025, 1e-4);
    assert_rel(m[1], 0.021, 1e-4);
    assert_rel(v[0], 2.8975e-4, 1e-4);
    assert_rel(v[1], 9.999e-5, 1e-4);
    assert_float_equal(p[0], 0.986544025, 2e-7);
    assert_float_equal(p[1], -1.99494217, 2e-7);
}

static void
test_schedule_paper_points(void **state)
{
    (void)state;
    NnSchedule s = nn_schedule_default();
    assert_float_equal(s.lr_max, 1e-3, 1e-15);
    assert_float_equal(s.lr_min, 1e-5, 1e-15);
    assert_float_equal(s.warmup, 5, 0);
    assert_float_equal(s.epochs, 30, 0);
    /* start of warmup, its end (= the cosine's peak), the cosine's midpoint, the end */
    assert_float_equal(nn_schedule_lr(&s, 0), 1e-5, 1e-12);
    assert_float_equal(nn_schedule_lr(&s, 5), 1e-3, 1e-12);
    assert_float_equal(nn_schedule_lr(&s, 17.5), 5.05e-4, 1e-12);
    assert_float_equal(nn_schedule_lr(&s, 30), 1e-5, 1e-12);
    /* linear inside the warmup, cosine after it */
    assert_float_equal(nn_schedule_lr(&s, 1), 2.08e-4, 1e-12);
    assert_float_equal(nn_schedule_lr(&s, 2.5), 5.05e-4, 1e-12);
    assert_float_equal(nn_schedule_lr(&s, 29), 1.3903222849e-05, 1e-12);
}

static void
test_schedule_shape(void **state)
{
    (void)state;
    NnSchedule s = nn_schedule_default();
    /* rises through the warmup, falls after it, never leaves [lr_min, lr_max] */
    double prev = nn_schedule_lr(&s, 0);
    for (double t = 0.1; t <= 30.0001; t += 0.1) {
        double lr = nn_schedule_lr(&s, t);
        assert_true(lr >= s.lr_min - 1e-15 && lr <= s.lr_max + 1e-15);
        if (t <= 5.0)
            assert_true(lr > prev);
        else if (t > 5.1)
            assert_true(lr < prev);
        prev = lr;
    }
    /* no warmup: the cosine from the start */
    s.warmup = 0;
    assert_float_equal(nn_schedule_lr(&s, 0), 1e-3, 1e-12);
    assert_float_equal(nn_schedule_lr(&s, 15), 5.05e-4, 1e-12);
    /* warmup longer than the run: still warming up at the end */
    s.warmup = 40;
    assert_float_equal(nn_schedule_lr(&s, 20), 1e-5 + (1e-3 - 1e-5) * 0.5, 1e-12);
}

/* SGD with momentum, two steps by hand: v = 0.9 v + g, p -= lr v. */
static void
test_sgd_two_steps(void **state)
{
    (void)state;
    float p[2] = { 1.0f, -2.0f }, v[2] = { 0 };
    assert_true(nn_sgd_update(0.1f, 0.9f, p, (const float[]){ 0.5f, -1.0f }, v, 2));
    assert_float_equal(v[0], 0.5, 1e-7);
    assert_float_equal(p[0], 0.95, 1e-7);
    assert_float_equal(p[1], -1.9, 1e-6);
    assert_true(nn_sgd_update(0.1f, 0.9f, p, (const float[]){ 0.2f, 0.0f }, v, 2));
    assert_float_equal(v[0], 0.65, 1e-6); /* 0.9 * 0.5 + 0.2 */
    assert_float_equal(p[0], 0.885, 1e-6);
    assert_float_equal(v[1], -0.9, 1e-6);
    assert_float_equal(p[1], -1.81, 1e-6);
    /* an update that overflows says so */
    assert_false(nn_sgd_update(1e38f, 0.0f, p, (const float[]){ 1e38f, 0.0f }, v, 2));
}

static void
test_ema(void **state)
{
    (void)state;
    float avg[3] = { 1, 2, 3 };
    nn_ema_update(0.75f, avg, (const float[]){ 5, 2, -1 }, 3);
    assert_float_equal(avg[0], 2.0, 1e-7);
    assert_float_equal(avg[1], 2.0, 1e-7);
    assert_float_equal(avg[2], 2.0, 1e-7);
}

static void
test_schedule_kinds(void **state)
{
    (void)state;
    NnSchedule s = nn_schedule_default();
    s.epochs = 20;
    s.kind = NN_SCHEDULE_CONSTANT;
    for (double t = 0; t <= 20; t += 2.5)
        assert_float_equal(nn_schedule_lr(&s, t), 1e-3, 1e-15);
    s.kind = NN_SCHEDULE_STEP;
    s.step_epochs = 5;
    s.step_gamma = 0.1;
    assert_float_equal(nn_schedule_lr(&s, 4.99), 1e-3, 1e-15);
    assert_float_equal(nn_schedule_lr(&s, 5), 1e-4, 1e-15);
    assert_float_equal(nn_schedule_lr(&s, 12), 1e-5, 1e-16);
    s.kind = NN_SCHEDULE_COSINE; /* no warmup: the peak at 0, the midpoint at half */
    assert_float_equal(nn_schedule_lr(&s, 0), 1e-3, 1e-15);
    assert_float_equal(nn_schedule_lr(&s, 10), (1e-3 + 1e-5) / 2, 1e-12);
    assert_float_equal(nn_schedule_lr(&s, 20), 1e-5, 1e-15);
    for (int k = 0; k < 4; k++)
        assert_int_equal(nn_schedule_kind_parse(nn_schedule_kind_name((NnScheduleKind)k)), k);
    assert_int_equal(nn_schedule_kind_parse("linear"), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sgd_two_steps),
        cmocka_unit_test(test_ema),
        cmocka_unit_test(test_schedule_kinds),
        cmocka_unit_test(test_adam_two_steps),
        cmocka_unit_test(test_schedule_paper_points),
        cmocka_unit_test(test_schedule_shape),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
