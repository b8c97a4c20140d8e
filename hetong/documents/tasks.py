from huey.contrib.djhuey import db_task

from . import services


@db_task(retries=2, retry_delay=30)
def convert_to_pdf(document_id: int):
    """Word→PDF after the document is stored (LibreOffice takes seconds; nobody waits for it)."""
    services.convert_document(document_id)


@db_task()
def generate_many(job_id: int):
    services.run_generation_job(job_id)
