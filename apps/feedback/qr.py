"""Staff QR codes (SPEC §5.2): the URL a code holds, its image for printed cards and signs, and the
scoped reads behind the QR pages.

A code holds `{SITE_URL}/q/<token>` and nothing else: the token is opaque (no staff id, no unit),
so a card can be revoked and replaced without the printed URL saying whom it belonged to.
"""

import secrets

from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from apps.core.qr import png_data_uri, qr_data_uri, qr_png
from apps.core.scoping import scope_queryset
from apps.feedback.models import StaffQRCode
from apps.orgs.models import OrgUnit, Staff

# 9 random bytes → 12 URL-safe characters (72 bits): short enough for a small code that phones read
# from across a desk, far too many to guess a live one.
TOKEN_BYTES = 9

# Pixels a module of a card's PNG: the card scales it up unsmoothed, so a few are enough.
CARD_MODULE_PX = 4

# The most cards one PDF carries: a unit prints its whole staff in one pass; a province prints unit
# by unit.
CARDS_MAX = 1000


def qr_token_new() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def rating_url(token: str) -> str:
    """The absolute URL printed in the code: the public rating page of the card's employee."""
    return f"{settings.SITE_URL}{reverse('rate', args=[token])}"


def rating_url_display(token: str) -> str:
    """The same URL without the scheme, printed under the code for people who type it."""
    return rating_url(token).split("://", 1)[-1]


def qr_card_images(codes: list[StaffQRCode]) -> dict[str, str]:
    """{token: PNG data URI of its rating URL} for printed cards, from each code's row.

    PNG rather than SVG: WeasyPrint draws an SVG path point by point (~70 ms a code), a sheet of a
    thousand cards would take over a minute. A few pixels a module, drawn unsmoothed (`image-rendering:
    pixelated` in the template), prints as sharp as the vector. A code missing its picture (issued
    before pictures were kept, its background drawing not done yet, or the site's address changed) is
    drawn here and kept on its row.
    """
    stale = [code for code in codes if not code.card_png or code.card_url != rating_url(code.token)]
    if stale:
        qr_card_images_draw(stale)
    return {code.token: png_data_uri(bytes(code.card_png)) for code in codes}


def qr_card_images_draw(codes: list[StaffQRCode]) -> None:
    """Draw the card picture of each code and keep it on its row (about 5 ms a code, most of it
    choosing the mask pattern that reads best)."""
    for code in codes:
        code.card_url = rating_url(code.token)
        code.card_png = qr_png(code.card_url, module_px=CARD_MODULE_PX)
    StaffQRCode.objects.bulk_update(codes, ["card_png", "card_url"], batch_size=200)


# Cards drawn between two progress reports of a card sheet job.
CARDS_BATCH = 50
CARDS_PER_SHEET = 10  # 2 × 5 cards of 85 × 55 mm on A4


def qr_cards_staff(*, user, params: dict) -> tuple[QuerySet[Staff], str]:
    """The staff a card sheet is asked for (`{"unit": id}` for a unit and below, or `{"staff": [ids]}`)
    within the user's scope, and the PDF's download name. A unit outside the scope: none."""
    staff_qs = scope_queryset(Staff.objects.all(), user)
    if params.get("unit"):
        unit = scope_queryset(OrgUnit.objects.all(), user, unit_field=None).filter(pk=params["unit"]).first()
        if unit is None:
            return staff_qs.none(), "qr-cards.pdf"
        return staff_qs.filter(unit__path__startswith=unit.path), f"qr-cards-unit-{unit.pk}.pdf"
    return staff_qs.filter(pk__in=params.get("staff", [])[: CARDS_MAX + 1]), "qr-cards.pdf"


def _card(code: StaffQRCode, image: str) -> dict:
    member = code.staff
    host, _slash, path_ = rating_url_display(code.token).partition("/")
    return {
        "name": member.full_name,
        "post": member.post,
        "unit": member.unit.name,
        "body": member.body.name_fa,
        "qr": image,
        "url_host": host,
        "url_path": f"/{path_}",
    }


def qr_cards_produce(*, job, out, progress) -> str:
    """The card sheet of a file job (apps.core.filejobs): the cards' text and pictures (drawn when the
    codes were issued), then the whole sheet in one WeasyPrint pass. Progress runs to twice the number
    of cards: a tenth for the cards, seven tenths as the pages are laid out, the rest for writing."""
    from apps.core.filejobs import FileJobRefused
    from apps.core.pdf import render_pdf

    staff_qs, name = qr_cards_staff(user=job.requested_by, params=job.params)
    codes = list(qr_card_codes(staff_qs=staff_qs)[: CARDS_MAX + 1])
    if not codes:
        raise FileJobRefused(_("None of these employees has a code yet: issue their codes, then print."))
    if len(codes) > CARDS_MAX:
        raise FileJobRefused(_("One print run takes at most %(max)d cards: print unit by unit.") % {"max": CARDS_MAX})
    total = 2 * len(codes)
    cards = []
    for start in range(0, len(codes), CARDS_BATCH):
        batch = codes[start : start + CARDS_BATCH]
        images = qr_card_images(batch)
        cards += [_card(c, images[c.token]) for c in batch]
        progress(len(cards) // 5, total)
    sheets = [cards[i : i + CARDS_PER_SHEET] for i in range(0, len(cards), CARDS_PER_SHEET)]

    def page_laid_out(page: int) -> None:
        progress(total // 10 + total * 7 * page // (10 * len(sheets)), total)

    out.write(render_pdf("pdf/qr_cards.html", {"sheets": sheets, "count": len(cards)}, on_page=page_laid_out))
    progress(total, total)
    return name


def qr_sign_image(token: str) -> str:
    """The token's rating URL as an SVG data URI, for a sign printed large."""
    return qr_data_uri(rating_url(token))


# --- scoped reads behind the QR pages -----------------------------------------------------------


def _live_codes() -> Prefetch:
    return Prefetch(
        "qr_codes", queryset=StaffQRCode.objects.filter(revoked_at__isnull=True), to_attr="live_codes"
    )


def qr_staff_list(
    *, user, unit: OrgUnit | None = None, query: str = "", active_only: bool = False
) -> QuerySet[Staff]:
    """Staff in the user's scope (optionally one unit's subtree) with `live_codes` prefetched."""
    qs = scope_queryset(Staff.objects.all(), user).select_related("unit", "body")
    if unit is not None:
        qs = qs.filter(unit__path__startswith=unit.path)
    if active_only:
        qs = qs.filter(active=True)
    if query:
        qs = qs.filter(
            Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(personnel_code__icontains=query)
            | Q(post__icontains=query)
        )
    return qs.prefetch_related(_live_codes()).order_by("unit__path", "last_name", "first_name", "pk")


def qr_card_codes(*, staff_qs: QuerySet[Staff]) -> QuerySet[StaffQRCode]:
    """The live codes of the active staff in `staff_qs`, with what a card prints, in print order."""
    return (
        StaffQRCode.objects.filter(revoked_at__isnull=True, staff__in=staff_qs.filter(active=True))
        .select_related("staff__unit", "staff__body")
        .order_by("staff__unit__path", "staff__last_name", "staff__first_name", "staff__pk")
    )


def qr_code_live(token: str) -> StaffQRCode | None:
    """The live code behind a scanned token, if its employee still serves clients; else None."""
    return (
        StaffQRCode.objects.filter(token=token, revoked_at__isnull=True, staff__active=True)
        .select_related("staff__unit__province", "staff__body")
        .first()
    )
