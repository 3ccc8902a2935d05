#!/usr/bin/env bash
# Prints, as .po entries, the strings marked for translation in the code and templates that the
# Persian catalogue (locale/fa/LC_MESSAGES/django.po) lacks or has only fuzzily. Leaves the catalogue
# as it was: translate the printed entries and append them to it by hand, keeping its order.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
backup=$(mktemp -d)
cp -a locale "$backup/"
trap 'rm -rf locale && cp -a "$backup/locale" . && rm -rf "$backup"' EXIT
"$PY" manage.py makemessages -l fa --no-location --ignore=.venv --ignore=staticfiles --ignore=bench -v 0
po=locale/fa/LC_MESSAGES/django.po
{ msgattrib --untranslated --no-obsolete "$po"; echo; msgattrib --only-fuzzy --no-obsolete --clear-fuzzy --clear-previous "$po"; } \
    | grep -v '^#' | awk 'BEGIN{RS="";ORS="\n\n"} !/^msgid ""\nmsgstr ""\n"Project/'
