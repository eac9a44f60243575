"""``GET /v2/topology``: one broker, one partition, leader and healthy. Modeler polls it every 5 s: no reads."""

from __future__ import annotations

from flask import Response, jsonify, request

from webui.camunda8 import bp

GATEWAY_VERSION = "8.8.0"
"""The Camunda version whose REST subset we answer; Modeler enables task testing from 8.8.0."""
CLUSTER_ID = "steadyflow"


@bp.get("/topology")
def topology() -> Response:
    host, _, port = request.host.rpartition(":")
    if not host or not port.isdigit():
        host, port = request.host, "443" if request.scheme == "https" else "80"
    partition = {"partitionId": 1, "role": "leader", "health": "healthy", "state": "active"}
    broker = {
        "nodeId": 0,
        "brokerId": 0,
        "host": host.strip("[]"),
        "port": int(port),
        "partitions": [partition],
        "version": GATEWAY_VERSION,
    }
    return jsonify(
        {
            "brokers": [broker],
            "clusterId": CLUSTER_ID,
            "clusterSize": 1,
            "partitionsCount": 1,
            "replicationFactor": 1,
            "gatewayVersion": GATEWAY_VERSION,
            "lastCompletedChangeId": "-1",
        }
    )
