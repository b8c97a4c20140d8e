from huey.contrib.djhuey import db_task

from .services import apply_date_transitions


# The scheduler (hetong.core.scheduler) runs the status job every hour; this task lets it be queued by hand.
@db_task()
def date_transitions():
    return apply_date_transitions()
