from celery import shared_task


@shared_task
def qr_card_images_draw(*, code_ids: list[int]) -> int:
    """Draw and keep the card pictures of newly issued codes, so a card sheet only lays them out;
    returns how many were drawn. A code revoked meanwhile is skipped; one left undrawn (this task
    lost) is drawn by the card sheet that needs it."""
    from apps.feedback.models import StaffQRCode
    from apps.feedback.qr import qr_card_images_draw as draw

    codes = list(StaffQRCode.objects.filter(pk__in=code_ids, revoked_at__isnull=True, card_png=b""))
    if codes:
        draw(codes)
    return len(codes)
