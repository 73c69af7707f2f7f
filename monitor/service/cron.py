"""Schedules: a crontab expression or a fixed interval, as an APScheduler 3 trigger.

Owns the crontab dialect (5 fields, 0 and 7 are Sunday, names of days), its time zone
and the daylight-saving corrections a daily digest needs (``_Cron``). ``config``
validates ``settings.schedule`` with ``cron_trigger``; ``serve`` runs the service on
``trigger_for``. Imports nothing of ours at run time, so the two stay out of a cycle.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

if TYPE_CHECKING:
    from monitor.config import Settings


class _Cron(CronTrigger):  # type: ignore[misc]  # APScheduler ships no type hints
    """``CronTrigger`` with the two DST corrections a daily digest needs.

    * On the autumn change, APScheduler 3 fires a fixed-time job ("30 2 * * *") twice,
      once in each offset of the repeated hour: two runs, two digests, two e-mails.
      Like classic cron, a job whose minute and hour are not wildcards fires only at
      the first of the two; "*/20 * * * *" still fires through the extra real hour.
    * Around the change APScheduler 3.11 can return a time that is not after the
      previous one (agronholm/apscheduler#1021), which makes the scheduler loop; such
      an answer is asked again from a second later.

    On the spring change a fixed time inside the missing hour fires once, an hour
    later in wall-clock terms (02:30 → 03:30), which is APScheduler's behaviour.
    Returned times are normalised so a log shows a real wall-clock time.
    """

    fixed_time = False

    @classmethod
    def from_fields(
        cls, minute: str, hour: str, day: str, month: str, day_of_week: str, zone: tzinfo
    ) -> _Cron:
        """A trigger from crontab fields (``day_of_week`` already in APScheduler's names)."""
        trigger: _Cron = cls(
            minute=minute, hour=hour, day=day, month=month, day_of_week=day_of_week, timezone=zone
        )
        trigger.fixed_time = not minute.startswith("*") and not hour.startswith("*")
        return trigger

    def get_next_fire_time(
        self, previous_fire_time: datetime | None, now: datetime
    ) -> datetime | None:
        """The next fire time after ``previous_fire_time`` / ``now`` (see the class doc)."""
        zone: tzinfo = self.timezone
        candidate: datetime | None = super().get_next_fire_time(previous_fire_time, now)
        for _ in range(8):  # each correction moves past one bad answer; 2 are ever needed
            if candidate is None or previous_fire_time is None:
                break
            if candidate.astimezone(UTC) <= previous_fire_time.astimezone(UTC):
                after = (previous_fire_time.astimezone(UTC) + timedelta(seconds=1)).astimezone(zone)
            elif self.fixed_time and _wall(candidate, zone) == _wall(previous_fire_time, zone):
                after = candidate  # the repeated hour's second pass of the same wall time
            else:
                break
            # The parent starts from min(now, previous + 1 µs): give it a `now` that is
            # not earlier, or it would answer the rejected time again. Compared in UTC:
            # within one zone Python compares wall times and ignores `fold`.
            later = max(now.astimezone(UTC), after.astimezone(UTC))
            candidate = super().get_next_fire_time(after, later)
        return candidate.astimezone(UTC).astimezone(zone) if candidate is not None else None


_CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # crontab: 0 (and 7) = Sunday


def _cron_day(text: str) -> int:
    if text.isdigit() and 0 <= int(text) <= 7:
        return int(text)
    if text in _CRON_DAYS:
        return _CRON_DAYS.index(text)
    raise ValueError(f"{text!r} is not a day of the week (0-7 or sun-sat)")


def _weekdays(field: str) -> str:
    """A crontab day-of-week field as APScheduler day names.

    APScheduler 3 counts weekdays from Monday = 0 even in ``from_crontab``, so "1-5"
    would mean Tuesday to Saturday. Expanding the field with crontab's numbering
    (Sunday = 0 or 7) into names removes the ambiguity: "1-5" → "mon,tue,wed,thu,fri".
    """
    if field in ("*", "?"):
        return "*"
    days: set[int] = set()
    for item in field.lower().split(","):
        part, slash, step_text = item.partition("/")
        if slash and not (step_text.isdigit() and int(step_text) > 0):
            raise ValueError(f"{item!r}: the step after '/' must be a positive number")
        step = int(step_text) if slash else 1
        if part in ("*", "?"):
            first, last = 0, 6
        elif "-" in part:
            start, _, end = part.partition("-")
            first, last = _cron_day(start), _cron_day(end)
            if first > last:
                raise ValueError(f"{item!r}: a range must go from an earlier to a later day")
        else:
            first = _cron_day(part)
            last = 6 if slash else first  # "1/2": from Monday, every second day
        days.update(day % 7 for day in range(first, last + 1, step))
    return ",".join(_CRON_DAYS[day] for day in sorted(days))


def cron_trigger(expr: str, timezone: str) -> BaseTrigger:
    """A trigger for a 5-field crontab expression in an IANA time zone, with crontab's meaning.

    Beyond ``CronTrigger.from_crontab``: weekdays count from Sunday = 0 (or 7); when
    both day of month and day of week are restricted, either one matching is enough
    (crontab's rule; APScheduler would require both); and the DST corrections of
    ``_Cron``. Raises ``ValueError`` for an expression it cannot read.
    """
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(f"a cron expression has 5 fields, got {len(fields)} in {expr!r}")
    minute, hour, day, month, day_of_week = fields
    zone = ZoneInfo(timezone)
    weekdays = _weekdays(day_of_week)
    if day not in ("*", "?") and weekdays != "*":
        return OrTrigger(
            [
                _Cron.from_fields(minute, hour, day, month, "*", zone),
                _Cron.from_fields(minute, hour, "*", month, weekdays, zone),
            ]
        )
    return _Cron.from_fields(minute, hour, day, month, weekdays, zone)


def _wall(moment: datetime, zone: tzinfo) -> datetime:
    """Wall-clock time in ``zone`` without offset (naive comparison ignores ``fold``)."""
    return moment.astimezone(zone).replace(tzinfo=None)


def trigger_for(settings: Settings, every: float | None = None) -> BaseTrigger:
    """The trigger of ``serve``: every ``every`` seconds, else the cron ``settings.schedule``."""
    if every is not None:
        return IntervalTrigger(seconds=every, timezone=ZoneInfo(settings.timezone))
    return cron_trigger(settings.schedule, settings.timezone)


def next_fire_times(trigger: BaseTrigger, after: datetime, count: int = 1) -> list[datetime]:
    """The next ``count`` fire times after ``after``, as the scheduler would compute them."""
    out: list[datetime] = []
    previous: datetime | None = None
    now = after
    for _ in range(count):
        nxt: datetime | None = trigger.get_next_fire_time(previous, now)
        if nxt is None:
            break
        out.append(nxt)
        # The scheduler asks for the next time just after a firing, with the firing as
        # the previous one; the same here.
        previous, now = nxt, nxt + timedelta(milliseconds=1)
    return out


def describe_schedule(settings: Settings, every: float | None = None) -> str:
    """How ``serve`` runs, for its start-up line: "every 30 s" or "on '0 7 * * *' (UTC)"."""
    if every is not None:
        return f"every {every:g} s (--every)"
    return f"on '{settings.schedule}' ({settings.timezone})"
