from huey.contrib.djhuey import db_task

from .services import send_delivery


@db_task(retries=0)  # retries are the delivery's own, with backoff and a record an admin can see
def deliver(delivery_id: int):
    return send_delivery(delivery_id)
