"""Activities of work groups (training classes, exchange meetings, forums, donations)."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from common.records import acting_user
from projects.checks import check_keeps
from projects.models import Activity, ActivityPhoto
from units.photos import prepare_photo

MAX_PHOTOS = 9


@transaction.atomic
def save_activity(
    *,
    activity: Activity,
    by: AbstractBaseUser | None,
    photos: list[UploadedFile] | None = None,
) -> Activity:
    """Add or change an activity of a work group the user keeps, with checked photos."""
    check_keeps(by, activity.work_group)
    if activity.pk is not None:
        stored = (
            Activity.objects.select_for_update().select_related("work_group").get(pk=activity.pk)
        )
        check_keeps(by, stored.work_group)
    else:
        activity.created_by = acting_user(by)
    if activity.held_on and activity.held_on > timezone.localdate():
        raise ValidationError(
            {"held_on": gettext("The date cannot be in the future.")}, code="future_date"
        )
    if activity.households_reached > activity.attendees and activity.attendees:
        raise ValidationError(
            {
                "households_reached": gettext(
                    "More households reached than people attended: check the two numbers."
                )
            },
            code="reached_above_attendees",
        )
    activity.full_clean(exclude=["unit", "village"])
    activity.save()
    photos = [photo for photo in photos or [] if photo]
    if photos:
        if activity.photos.count() + len(photos) > MAX_PHOTOS:
            raise ValidationError(
                gettext("An activity has at most %(count)s photos.") % {"count": MAX_PHOTOS},
                code="too_many_photos",
            )
        for upload in photos:
            stored = prepare_photo(upload, box=(1600, 1600))
            photo = ActivityPhoto(activity=activity)
            photo.photo.save(stored.name, stored, save=False)
            photo.save()
    return activity
