#!/usr/bin/python3
"""Checks the translations in po/ against the sources, as a translator's
tools would see them:

  - po/POTFILES.in lists every file with strings to translate (a C file
    using _(), N_(), C_() or g_dngettext(), a .ui file with
    translatable="yes"), and only files that exist;
  - a template made now from those files (xgettext with meson's 'glib'
    preset, as `ninja digitlab-pot` makes po/digitlab.pot) has every msgid
    translated, not fuzzy, in each language of po/LINGUAS (msgcmp);
  - each .po passes `msgfmt --check` (format specifiers, plural forms,
    header) and has no fuzzy or untranslated message at all.

So a new string in the sources fails this test until it is translated.

    check-translations.py SOURCE_ROOT
"""

import os
import re
import subprocess
import sys
import tempfile

# meson's i18n.gettext(preset: 'glib') keywords and flags.
XGETTEXT_ARGS = [
    "--from-code=UTF-8", "--add-comments",
    "--keyword=_", "--keyword=N_", "--keyword=C_:1c,2", "--keyword=NC_:1c,2",
    "--keyword=g_dcgettext:2", "--keyword=g_dngettext:2,3", "--keyword=g_dpgettext2:2c,3",
    "--flag=N_:1:pass-c-format", "--flag=C_:2:pass-c-format", "--flag=NC_:2:pass-c-format",
    "--flag=g_dngettext:2:pass-c-format", "--flag=g_strdup_printf:1:c-format",
    "--flag=g_string_printf:2:c-format", "--flag=g_string_append_printf:2:c-format",
    "--flag=g_error_new:3:c-format", "--flag=g_set_error:4:c-format",
    "--flag=g_markup_printf_escaped:1:c-format",
]
C_MARK = re.compile(r"\b(?:N?_|C_|NC_|g_dngettext|g_dpgettext2?|g_dcgettext)\s*\(")
UI_MARK = re.compile(r'translatable="yes"')


def read_list(path):
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip() and not line.startswith("#")]


def marked_files(root):
    """The C and .ui files of src/ and ui/ that mark strings for translation."""
    found = set()
    for top in ("src", "ui"):
        for d, _, names in os.walk(os.path.join(root, top)):
            for n in names:
                path = os.path.join(d, n)
                mark = C_MARK if n.endswith(".c") else UI_MARK if n.endswith(".ui") else None
                if mark is None:
                    continue
                with open(path, encoding="utf-8") as f:
                    if mark.search(f.read()):
                        found.add(os.path.relpath(path, root))
    return found


def main():
    root = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), ".."))
    po = os.path.join(root, "po")
    failures = []

    listed = read_list(os.path.join(po, "POTFILES.in"))
    for path in listed:
        if not os.path.isfile(os.path.join(root, path)):
            failures.append("po/POTFILES.in lists %s, which does not exist" % path)
    for path in sorted(marked_files(root) - set(listed)):
        failures.append("%s has strings to translate but is not in po/POTFILES.in" % path)

    with tempfile.TemporaryDirectory(prefix="digitlab-pot-") as tmp:
        pot = os.path.join(tmp, "digitlab.pot")
        subprocess.run(["xgettext", *XGETTEXT_ARGS, "--package-name=digitlab", "--directory", root,
                        "--files-from", os.path.join(po, "POTFILES.in"), "--output", pot], check=True)
        with open(pot, encoding="utf-8") as f:
            count = len(re.findall(r"^msgid ", f.read(), re.M)) - 1
        print("# %d messages in the sources" % count)
        if count < 100:
            failures.append("only %d messages extracted: xgettext found no strings?" % count)

        for lang in read_list(os.path.join(po, "LINGUAS")):
            for word in lang.split():
                path = os.path.join(po, word + ".po")
                check = subprocess.run(["msgfmt", "--check", "--statistics", "--output-file", os.devnull, path],
                                       capture_output=True, text=True)
                stats = check.stderr.strip()
                print("# %s: %s" % (word, stats.splitlines()[-1] if stats else "?"))
                if check.returncode != 0:
                    failures.append("msgfmt --check %s failed:\n%s" % (path, stats))
                elif "fuzzy" in stats or "untranslated" in stats:
                    failures.append("%s.po is not complete: %s" % (word, stats))
                cmp = subprocess.run(["msgcmp", "--no-fuzzy-matching", path, pot], capture_output=True, text=True)
                if cmp.returncode != 0:
                    failures.append("%s.po lacks messages of the sources (or leaves them untranslated):\n%s"
                                    % (word, cmp.stderr.strip()))

    for f in failures:
        print("FAIL:", f)
    if not failures:
        print("PASS")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
