"""kubernetes.utils.create_from_yaml against tinykube, as the Python client's own e2e suite uses it:
a multi-document file whose first object already exists. Prints one JSON object: the exception's
text (which embeds the server's body byte for byte) and what was created despite it."""
import json
import sys

from kubernetes import client, config, utils

config.load_kube_config(config_file=sys.argv[1])
api = client.ApiClient()
first, multi = sys.argv[2], sys.argv[3]
utils.create_from_yaml(api, first)
out = {}
try:
    utils.create_from_yaml(api, multi)
    out["error"] = None
except utils.FailToCreateError as e:
    out["error"] = str(e)
v1 = client.CoreV1Api(api)
out["rc"] = v1.read_namespaced_replication_controller("dup-rc", "default").metadata.name
out["services"] = [s.metadata.name for s in v1.list_namespaced_service("default").items]
print(json.dumps(out))
