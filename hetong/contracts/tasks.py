from huey import crontab
from huey.contrib.djhuey import db_periodic_task, lock_task

from .services import apply_date_transitions


# Hourly rather than once at midnight: a run missed while the server was down is caught up within the
# hour, and the job does nothing for contracts already moved.
@db_periodic_task(crontab(minute="5"))
@lock_task("contracts-date-transitions")
def date_transitions():
    return apply_date_transitions()
