"""The aws CLI's own botocore (the Debian awscli 2.9 package, /usr/bin/aws), used by the query-protocol wire tests:
`serialize`: a JSON input of an SQS operation -> the form parameters botocore's QuerySerializer sends;
`parse`: an XML answer -> the output botocore's QueryParser reads from it (blobs as base64).
Reads one JSON request on stdin, writes one JSON answer on stdout."""
import base64
import json
import sys

from awscli.botocore import loaders, model, parsers, serialize

service = model.ServiceModel(loaders.Loader().load_service_model("sqs", "service-2"), "sqs")
request = json.load(sys.stdin)
operation = service.operation_model(request["action"])


def plain(value):
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items() if key != "ResponseMetadata"}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def blobs(value):
    """The JSON protocol's base64 blobs back to bytes, as botocore takes them."""
    if isinstance(value, dict):
        return {
            key: base64.b64decode(item) if key == "BinaryValue" else blobs(item) for key, item in value.items()
        }
    if isinstance(value, list):
        return [blobs(item) for item in value]
    return value


if request["mode"] == "serialize":
    serializer = serialize.create_serializer("query")
    serialized = serializer.serialize_to_request(blobs(request["input"]), operation)
    # On the wire every value is text (urlencode applies str()).
    print(json.dumps({key: str(value) for key, value in serialized["body"].items()}))
else:
    parser = parsers.create_parser("query")
    response = {"body": request["xml"].encode(), "headers": {}, "status_code": request.get("status", 200)}
    print(json.dumps(plain(parser.parse(response, operation.output_shape))))
