"""flytekit's SerializationSettings transport (``_F_SS_C``) and image parsing.  Runs in the ORACLE venv only.

Reads one JSON document from stdin::

    {"decode": ["<_F_SS_C value>", ...],
     "make": [{"image": "ghcr.io/x/img:v1", "version": "v1", "project": "p", "domain": "d",
               "images": {"name": "uri"} | null, "python_interpreter": "/opt/venv/bin/python3" | null,
               "env": {...} | null, "fast": {"enabled": true, ...} | null}, ...],
     "parse": ["r.io:5000/a/b:v1", ...]}

Prints::

    {"decode": [{"json": ss.to_json(), "transport": ss.serialized_context} | {"error": "<type>"}, ...],
     "make":   [{"json": ..., "transport": ...} | {"error": ...}, ...],
     "parse":  [[fqn, tag, digest], ...]}

``decode`` runs ``SerializationSettings.from_transport`` then re-encodes; ``make`` builds settings the
way flytekit's serialization does (``for_image`` / ``ImageConfig.from_images``) and encodes them.
Everything goes in one call because importing flytekit costs about a second.
"""

import json
import sys

from flytekit.configuration import (
    FastSerializationSettings,
    ImageConfig,
    SerializationSettings,
    _parse_image_identifier,
)


def _encode(ss: SerializationSettings) -> dict:
    return {"json": ss.to_json(), "transport": ss.serialized_context}


def _decode(value: str) -> dict:
    try:
        return _encode(SerializationSettings.from_transport(value))
    except Exception as e:
        return {"error": type(e).__name__}


def _make(spec: dict) -> dict:
    try:
        if spec.get("images") is not None:
            ss = SerializationSettings(
                image_config=ImageConfig.from_images(spec["image"], spec["images"]),
                project=spec.get("project"),
                domain=spec.get("domain"),
                version=spec.get("version"),
                env=spec.get("env"),
            )
        else:
            kwargs = {}
            if spec.get("python_interpreter"):
                kwargs["python_interpreter_path"] = spec["python_interpreter"]
            ss = SerializationSettings.for_image(
                spec["image"], spec["version"], spec.get("project", ""), spec.get("domain", ""), **kwargs
            )
        if spec.get("fast") is not None:
            b = ss.new_builder()
            b.fast_serialization_settings = FastSerializationSettings(**spec["fast"])
            ss = b.build()
        return _encode(ss)
    except Exception as e:
        return {"error": type(e).__name__}


def main() -> None:
    request = json.load(sys.stdin)
    json.dump(
        {
            "decode": [_decode(v) for v in request.get("decode", [])],
            "make": [_make(s) for s in request.get("make", [])],
            "parse": [list(_parse_image_identifier(i)) for i in request.get("parse", [])],
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
