"""The Python client's story against tinykube: CRUD, errors as ApiException, patch, watch, scale.
Prints one JSON object with what it saw; test/interop/python.test.ts checks it."""
import json
import sys
import threading
import time

import kubernetes
from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

config.load_kube_config(config_file=sys.argv[1])
v1 = client.CoreV1Api()
out = {"version": kubernetes.__version__}
out["namespaces"] = [n.metadata.name for n in v1.list_namespace().items]
pod = client.V1Pod(
    metadata=client.V1ObjectMeta(name="py", labels={"app": "py"}),
    spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="nginx")]),
)
created = v1.create_namespaced_pod("default", pod)
out["created"] = [created.metadata.name, created.status.phase]
read = v1.read_namespaced_pod("py", "default")
out["read"] = [read.metadata.uid == created.metadata.uid, read.spec.containers[0].image_pull_policy]
try:
    v1.read_namespaced_pod("nope", "default")
except ApiException as e:
    out["not_found"] = [e.status, json.loads(e.body)["message"]]
try:
    v1.create_namespaced_pod("default", pod)
except ApiException as e:
    out["already_exists"] = [e.status, json.loads(e.body)["reason"]]
try:
    v1.create_namespaced_pod("default", {"metadata": {"name": "bad"}, "spec": {"containers": [{"name": "c"}]}})
except ApiException as e:
    out["invalid"] = [e.status, json.loads(e.body)["message"]]
out["patched"] = v1.patch_namespaced_pod("py", "default", {"metadata": {"labels": {"x": "1"}}}).metadata.labels
rv = v1.list_namespaced_pod("default").metadata.resource_version
w = watch.Watch()
threading.Thread(target=lambda: (time.sleep(2), w.stop()), daemon=True).start()
deleted = v1.delete_namespaced_pod("py", "default")
out["deleted"] = deleted.metadata.name
out["events"] = [[e["type"], e["object"].metadata.name] for e in w.stream(v1.list_namespaced_pod, "default", resource_version=rv, timeout_seconds=3)]
rc = client.V1ReplicationController(
    metadata=client.V1ObjectMeta(name="rc"),
    spec=client.V1ReplicationControllerSpec(
        replicas=1, selector={"a": "b"},
        template=client.V1PodTemplateSpec(metadata=client.V1ObjectMeta(labels={"a": "b"}), spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="i")])),
    ),
)
v1.create_namespaced_replication_controller("default", rc)
v1.patch_namespaced_replication_controller_scale("rc", "default", {"spec": {"replicas": 4}})
scale = v1.read_namespaced_replication_controller_scale("rc", "default")
out["scale"] = [scale.kind, scale.spec.replicas, v1.read_namespaced_replication_controller("rc", "default").spec.replicas]
print(json.dumps(out))
