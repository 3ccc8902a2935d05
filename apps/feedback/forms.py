"""Forms of the satisfaction questionnaire: the citizen's online form and the clerk's paper entry."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import lazy
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from apps.core.forms import NumericInput, PortalForm
from apps.feedback.models import SCALE_MAX, Questionnaire, SurveyResponse
from apps.feedback.services import Demographics

SUGGESTIONS_MAX = 2000
VISITS_MAX = 365


def _label(field: str):
    # The model's (translated) field names, so the form and the admin say the same thing.
    return lazy(lambda: capfirst(SurveyResponse._meta.get_field(field).verbose_name), str)()


class SurveyForm(PortalForm):
    """Table 5: the optional "about you" part, one five-level question per row, suggestions.

    Question fields are added from the questionnaire version (`q<number>`). Online every question
    must be answered; on paper (`paper=True`) a line the person left blank stays blank."""

    gender = forms.ChoiceField(
        label=_label("gender"),
        required=False,
        widget=forms.RadioSelect,
        choices=SurveyResponse.Gender.choices,
    )
    age_band = forms.ChoiceField(
        label=_label("age_band"),
        required=False,
        widget=forms.RadioSelect,
        choices=SurveyResponse.AgeBand.choices,
    )
    education = forms.ChoiceField(
        label=_label("education"),
        required=False,
        choices=[("", "—"), *SurveyResponse.Education.choices],
    )
    occupation = forms.CharField(label=_label("occupation"), required=False, max_length=100)
    visits_past_year = forms.IntegerField(
        label=_label("visits_past_year"),
        required=False,
        min_value=0,
        max_value=VISITS_MAX,
        widget=NumericInput(attrs={"maxlength": 3}),
    )
    suggestions = forms.CharField(
        label=_(
            "If you have anything to add on how the service is given or how its methods could be improved, write it here"
        ),
        required=False,
        max_length=SUGGESTIONS_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, questionnaire: Questionnaire, paper: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.questionnaire = questionnaire
        self.paper = paper
        labels = list(questionnaire.scale_labels)
        # Highest level first, as table 5 prints it: خیلی زیاد (5) … خیلی کم (1).
        choices = [(SCALE_MAX - i, label) for i, label in enumerate(labels)]
        if paper:
            # A radio button cannot be unticked without JavaScript: on paper entry "left blank" is
            # an option of its own, ticked to start with, so a slip of the mouse can be put right.
            choices.append(("", _("Left blank")))
        self.questions = list(questionnaire.questions.all())
        for question in self.questions:
            self.fields[self.question_field(question.number)] = forms.TypedChoiceField(
                label=question.text,
                choices=choices,
                coerce=int,
                empty_value=None,
                widget=forms.RadioSelect,
                required=not paper,
                initial="" if paper else None,
                error_messages={"required": _("Choose one of the five levels.")},
            )

    @staticmethod
    def question_field(number: int) -> str:
        return f"q{number}"

    def clean(self):
        cleaned = super().clean()
        if self.paper and not any(cleaned.get(self.question_field(q.number)) for q in self.questions):
            raise ValidationError(_("The form has no answer ticked: enter at least one."))
        return cleaned

    def axis_groups(self) -> list[tuple[object, list[tuple[object, forms.BoundField]]]]:
        """The question rows under their table 5 axes, in order: [(axis, [(question, field), …]), …]."""
        groups: dict[int, tuple[object, list]] = {}
        for question in self.questions:
            axis = question.axis
            groups.setdefault(axis.pk, (axis, []))[1].append(
                (question, self[self.question_field(question.number)])
            )
        return sorted(groups.values(), key=lambda group: group[0].order)

    def unanswered(self) -> list[int]:
        """Numbers of the questions sent back unanswered, for the links at the top of the form."""
        return [q.number for q in self.questions if self.question_field(q.number) in self.errors]

    def answers(self) -> dict[int, int | None]:
        return {
            q.number: self.cleaned_data.get(self.question_field(q.number)) or None for q in self.questions
        }

    def demographics(self) -> Demographics:
        data = self.cleaned_data
        return Demographics(
            gender=data.get("gender", ""),
            age_band=data.get("age_band", ""),
            education=data.get("education", ""),
            occupation=data.get("occupation", ""),
            visits_past_year=data.get("visits_past_year"),
        )
