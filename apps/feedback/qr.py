"""Staff QR codes (SPEC §5.2): the URL a code holds, its image for printed cards and signs, and the
scoped reads behind the QR pages.

A code holds `{SITE_URL}/q/<token>` and nothing else: the token is opaque (no staff id, no unit),
so a card can be revoked and replaced without the printed URL saying whom it belonged to.
"""

import secrets

from django.conf import settings
from django.core.cache import cache
from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from apps.core.qr import qr_data_uri
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

QR_IMAGE_CACHE_SECONDS = 30 * 24 * 3600


def qr_token_new() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def rating_url(token: str) -> str:
    """The absolute URL printed in the code: the public rating page of the card's employee."""
    return f"{settings.SITE_URL}{reverse('rate', args=[token])}"


def rating_url_display(token: str) -> str:
    """The same URL without the scheme, printed under the code for people who type it."""
    return rating_url(token).split("://", 1)[-1]


def qr_card_images(tokens: list[str]) -> dict[str, str]:
    """{token: PNG data URI of its rating URL} for printed cards.

    PNG rather than SVG: WeasyPrint draws an SVG path point by point (~70 ms a code), a sheet of a
    thousand cards would take over a minute. A few pixels a module, drawn unsmoothed (`image-rendering:
    pixelated` in the template), prints as sharp as the vector. Kept in the cache by token — a
    token's URL never changes — because choosing the best mask pattern is most of a code's cost.
    """
    keys = {f"feedback:qr-png:{settings.SITE_URL}:{token}": token for token in tokens}
    found = cache.get_many(list(keys))
    missing = {}
    for key, token in keys.items():
        if key not in found:
            missing[key] = qr_data_uri(rating_url(token), image="png", box_size=CARD_MODULE_PX)
    if missing:
        cache.set_many(missing, timeout=QR_IMAGE_CACHE_SECONDS)
    return {token: found.get(key) or missing[key] for key, token in keys.items()}


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
    """The card sheet of a file job (apps.core.filejobs): the codes drawn batch by batch, then the
    whole sheet in one WeasyPrint pass. Progress counts the cards drawn, then the pass as as many
    again (it is about as long on a cold cache, much longer once the codes are cached)."""
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
        images = qr_card_images([c.token for c in batch])
        cards += [_card(c, images[c.token]) for c in batch]
        progress(len(cards), total)
    sheets = [cards[i : i + CARDS_PER_SHEET] for i in range(0, len(cards), CARDS_PER_SHEET)]
    out.write(render_pdf("pdf/qr_cards.html", {"sheets": sheets, "count": len(cards)}))
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
