"""flytekit's ``compute_hash_string`` over many protobuf messages.  Runs in the ORACLE venv only.

Reads one JSON document from stdin::

    {"messages": [["Literal", "<base64 of the serialized message>"], ["LiteralMap", "..."], ...]}

The type name is looked up in ``flyteidl.core.literals_pb2``. Prints ``{"hashes": [...]}``: for each
message flytekit's hash string, or ``{"error": "<exception type>"}`` when flytekit raises.
Everything goes in one call because importing flytekit costs about a second.
"""

import base64
import json
import sys

from flyteidl.core import literals_pb2
from flytekit.utils.pbhash import compute_hash_string


def main() -> None:
    request = json.load(sys.stdin)
    hashes = []
    for type_name, encoded in request["messages"]:
        message = getattr(literals_pb2, type_name)()
        message.ParseFromString(base64.b64decode(encoded))
        try:
            hashes.append(compute_hash_string(message))
        except Exception as e:
            hashes.append({"error": type(e).__name__})
    json.dump({"hashes": hashes}, sys.stdout)


if __name__ == "__main__":
    main()
