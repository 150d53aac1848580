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

# Hostile bodies through the same client's connection pool (urllib3 keeps connections alive):
# an oversized body is a 413 Status, and the next request still gets its answer.
big = client.V1Pod(metadata=client.V1ObjectMeta(name="big", annotations={"pad": "x" * (4 * 1024 * 1024)}),
                   spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="nginx")]))
try:
    v1.create_namespaced_pod("default", big)
except client.ApiException as e:
    out["too_large"] = [e.status, json.loads(e.body)["reason"], e.headers.get("Connection")]
out["after_too_large"] = [s.metadata.name for s in v1.list_namespaced_service("default", _request_timeout=5).items]
# DeleteOptions of the wrong type: a 400 Status in Go's words, and nothing deleted.
try:
    v1.delete_namespaced_service("dup-svc", "default", body={"gracePeriodSeconds": "x"})
except client.ApiException as e:
    out["bad_delete_options"] = [e.status, json.loads(e.body)["message"]]
out["still_there"] = v1.read_namespaced_service("dup-svc", "default").metadata.name
print(json.dumps(out))
