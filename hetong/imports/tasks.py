from huey.contrib.djhuey import db_task

from . import services


@db_task()
def check_import(job_id: int):
    services.run_check(job_id)


@db_task()
def commit_import(job_id: int):
    services.run_commit(job_id)
