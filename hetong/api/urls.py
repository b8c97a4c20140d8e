from ninja import NinjaAPI

api = NinjaAPI(title="Hetong API", version="1", urls_namespace="api")
