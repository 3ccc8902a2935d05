"""Templates in which a missing variable is an error instead of an empty string.

Django prints a variable it cannot resolve as `string_if_invalid` ('' by default), which hides a
typo or a context key one code path forgot: the page renders, only emptier. And a missing variable
used as a filter argument (`{{ a|default:b.c }}`) is not hidden at all: it raises while the page
renders, which in production is a 500. Tests that call `templates_strict(settings)` (every test
under tests/audits, through its conftest) turn both into a failure that names the variable.

`{% if %}`, `{% for %}` and `{% firstof %}` still treat a missing variable as false or empty: that is
their documented behaviour, which templates are entitled to rely on. So does a lookup through an
absent optional relation (`form.evaluator.full_name|default:"—"` while no evaluator is assigned):
the chain stops at a None the model allows, and the filters run on '' as in production.
"""

import sys

from django.template.base import Variable, VariableDoesNotExist


class MissingTemplateVariable(AssertionError):
    """A template printed a variable that the context does not have."""


class _RaiseOnMissing(str):
    # Django formats string_if_invalid with the variable's name when it holds "%s"; that call is
    # the one place it hands over the name, so it is where the missing variable is reported.
    def __new__(cls):
        return super().__new__(cls, "%s")

    def __mod__(self, variable):
        caller = sys._getframe(1).f_locals  # FilterExpression.resolve(self, context, ...)
        expression, context = caller.get("self"), caller.get("context")
        if context is not None and _through_none(variable, context):
            engine = context.template.engine
            engine.string_if_invalid = ""
            try:
                return expression.resolve(context)
            finally:
                engine.string_if_invalid = self
        raise MissingTemplateVariable(f"missing template variable: {variable}")


def _through_none(variable, context) -> bool:
    lookups = getattr(variable, "lookups", None) or ()
    for n in range(1, len(lookups)):
        try:
            if Variable(".".join(lookups[:n])).resolve(context) is None:
                return True
        except VariableDoesNotExist:
            return False
    return False


def templates_strict(settings) -> None:
    """From now until the test ends (pytest-django's `settings`), a missing variable raises
    MissingTemplateVariable in every template rendered."""
    templates = [dict(t, OPTIONS=dict(t.get("OPTIONS", {}))) for t in settings.TEMPLATES]
    for template in templates:
        template["OPTIONS"]["string_if_invalid"] = _RaiseOnMissing()
    settings.TEMPLATES = templates
