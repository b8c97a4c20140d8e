"""Running gunicorn in-process for `hetong serve` and `hetong web`."""

from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from hetong.wsgi import application

        return application


def serve(*, host: str, port: int, workers: int = 2) -> None:
    _Gunicorn({
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": 4,
        "worker_class": "gthread",
        "timeout": 60,
        "accesslog": "-",
        "forwarded_allow_ips": "127.0.0.1",
    }).run()
