"""Serialization, image, stats and secrets settings as immutable records, with flytekit 1.16's JSON shape.

(Over 600 lines on purpose: the records, their builders and the one cattrs converter that gives them
flytekit's JSON and schema surface change together.)

The records mirror ``flytekit.configuration`` (``Image``, ``ImageConfig``, ``FastSerializationSettings``,
``SerializationSettings``, ``EntrypointSettings``, ``StatsConfig``, ``SecretsConfig``) and
``flytekit.core.resources`` (``Resources``, ``ResourceSpec``): same field names, order and defaults, so
the JSON written by :func:`to_json` is byte-for-byte what flytekit's dataclasses-json ``to_json()``
writes (fields in declaration order, ``", "`` / ``": "`` separators, ``None`` as ``null``, non-ASCII
escaped). That JSON is what travels, gzip-compressed, in ``_F_SS_C`` (see
``flyte_entrypoint.core.serialized_context``).

Differences from flytekit, all deliberate:

* The records are frozen and hashable: ``images`` is a tuple, ``env`` a :class:`FrozenDict` (it keeps
  insertion order, which the JSON and so the ``_F_SS_C`` bytes depend on; a ``pyrsistent`` map does
  not) and resource pairs tuples. Use ``attrs.evolve`` where flytekit has ``new_builder()``.
* Decoding is strict about types (flytekit's dataclasses-json turns ``"project": 5`` into ``"5"`` and
  accepts ``{"a": 1}`` as an env); unknown keys are ignored, missing keys take their defaults, as in
  flytekit. ``"image_config": null`` is rejected (flytekit only warns).
* ``Image.look_up_image_info`` does not accept a path to an ImageSpec YAML file (that would need file
  I/O and an image build); the identifier is always parsed as an image reference.
* Malformed image references raise :class:`InvalidImageError` (a ``ValueError``) where flytekit raises
  ``AssertionError``.
* ``StatsConfig``'s flag is the attribute ``disable_tags`` (as its environment variable); the constructor
  takes flytekit's name ``disabled_tags``, and ``disabled_tags`` is also a read-only alias.
"""

from __future__ import annotations

import json
import posixpath
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar, Union

import attrs
import cattrs
from returns.result import Failure

__all__ = [
    "DEFAULT_FLYTEKIT_ENTRYPOINT_FILELOC",
    "DEFAULT_IMAGE_NAME",
    "DEFAULT_IN_CONTAINER_SRC_PATH",
    "DEFAULT_RUNTIME_PYTHON_INTERPRETER",
    "DEFAULT_SECRETS_DIR",
    "DEFAULT_SECRETS_ENV_PREFIX",
    "DEFAULT_STATSD_HOST",
    "DEFAULT_STATSD_PORT",
    "EntrypointSettings",
    "FastSerializationSettings",
    "FrozenDict",
    "Image",
    "ImageConfig",
    "InvalidImageError",
    "ResourceSpec",
    "ResourceValue",
    "Resources",
    "SecretsConfig",
    "SerializationSettings",
    "StatsConfig",
    "converter",
    "from_dict",
    "from_json",
    "parse_image_identifier",
    "to_dict",
    "to_json",
]

DEFAULT_RUNTIME_PYTHON_INTERPRETER = "/opt/venv/bin/python3"
DEFAULT_FLYTEKIT_ENTRYPOINT_FILELOC = "bin/entrypoint.py"
DEFAULT_IMAGE_NAME = "default"
DEFAULT_IN_CONTAINER_SRC_PATH = "/root"
DEFAULT_STATSD_HOST = "localhost"
DEFAULT_STATSD_PORT = 8125
DEFAULT_SECRETS_ENV_PREFIX = "_FSEC_"
DEFAULT_SECRETS_DIR = "/etc/secrets"

T = TypeVar("T")
K = TypeVar("K")
V = TypeVar("V")


class FrozenDict(Mapping[K, V], Generic[K, V]):
    """An immutable, hashable mapping that keeps insertion order (equality ignores order, like dict's)."""

    __slots__ = ("_data", "_hash")

    def __init__(self, data: Mapping[K, V] | Iterable[tuple[K, V]] = ()) -> None:
        self._data: dict[K, V] = dict(data)
        self._hash: int | None = None

    def __getitem__(self, key: K) -> V:
        return self._data[key]

    def __iter__(self) -> Iterator[K]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._data == dict(other.items())
        return NotImplemented

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self._data.items()))
        return self._hash

    def __repr__(self) -> str:
        return f"FrozenDict({self._data!r})"


class InvalidImageError(ValueError):
    """An image reference or ``name=uri`` image option that cannot be used."""


# --------------------------------------------------------------------------------------------- images


def parse_image_identifier(image_identifier: str) -> tuple[str, str | None, str | None]:
    """Split an image reference into ``(fqn, tag, digest)``.

    A digest follows the last ``@`` (``r.io/a@sha256:...``). Otherwise a tag follows the last ``:``
    unless that part contains a ``/``, which makes the colon a registry port (``r.io:5000/a`` has no
    tag, ``r.io:5000/a:v1`` has tag ``v1``). Neither → ``(identifier, None, None)``.
    """
    fqn, at, digest = image_identifier.rpartition("@")
    if at:
        return fqn, None, digest
    fqn, colon, tag = image_identifier.rpartition(":")
    if colon and "/" not in tag:
        return fqn, tag, None
    return image_identifier, None, None


def _check_tag_or_digest(instance: Image, _attribute: attrs.Attribute[str | None], value: str | None) -> None:
    if value is not None and instance.tag is not None:
        raise ValueError(f"Cannot specify both tag and digest. Got tag={instance.tag} and digest={value}")


class RecordSchema:
    """What ``<record>.schema()`` returns: flytekit's marshmallow-schema surface (``dump``/``load``/
    ``dumps``/``loads``, ``many=``, ``only``/``exclude``) over the same cattrs converter as ``to_dict``."""

    def __init__(
        self, cls: type[Any], many: bool = False, only: Sequence[str] | None = None, exclude: Sequence[str] = ()
    ) -> None:
        self.cls = cls
        self.many = many
        self.only = tuple(only) if only is not None else None
        self.exclude = tuple(exclude)

    def _pick(self, d: dict[str, Any]) -> dict[str, Any]:
        return {
            k: v for k, v in d.items() if (self.only is None or k in self.only) and k not in self.exclude
        }

    def dump(self, obj: Any, many: bool | None = None) -> Any:
        if self.many if many is None else many:
            return [self._pick(to_dict(o)) for o in obj]
        return self._pick(to_dict(obj))

    def load(self, data: Any, many: bool | None = None) -> Any:
        if self.many if many is None else many:
            return [from_dict(self.cls, d) for d in data]
        return from_dict(self.cls, data)

    def dumps(self, obj: Any, many: bool | None = None) -> str:
        return json.dumps(self.dump(obj, many))

    def loads(self, s: str | bytes, many: bool | None = None) -> Any:
        return self.load(json.loads(s), many)


class _JsonMixin:
    """flytekit's DataClassJsonMixin surface (``to_dict``/``to_json``/``from_dict``/``from_json``/``schema``),
    with dataclasses-json's parameters."""

    __slots__ = ()

    def to_dict(self, encode_json: bool = False) -> dict[str, Any]:
        return to_dict(self)

    def to_json(
        self,
        *,
        skipkeys: bool = False,
        ensure_ascii: bool = True,
        check_circular: bool = True,
        allow_nan: bool = True,
        indent: int | str | None = None,
        separators: tuple[str, str] | None = None,
        default: Callable[[Any], Any] | None = None,
        sort_keys: bool = False,
        **kw: Any,
    ) -> str:
        return json.dumps(
            to_dict(self),
            skipkeys=skipkeys,
            ensure_ascii=ensure_ascii,
            check_circular=check_circular,
            allow_nan=allow_nan,
            indent=indent,
            separators=separators,
            default=default,
            sort_keys=sort_keys,
            **kw,
        )

    @classmethod
    def from_dict(cls: type[T], kvs: Mapping[str, Any], *, infer_missing: bool = False) -> T:
        return from_dict(cls, kvs)

    @classmethod
    def from_json(
        cls: type[T],
        s: str | bytes | bytearray,
        *,
        parse_float: Callable[[str], Any] | None = None,
        parse_int: Callable[[str], Any] | None = None,
        parse_constant: Callable[[str], Any] | None = None,
        infer_missing: bool = False,
        **kw: Any,
    ) -> T:
        data = json.loads(s, parse_float=parse_float, parse_int=parse_int, parse_constant=parse_constant, **kw)
        return from_dict(cls, data)

    @classmethod
    def schema(
        cls,
        *,
        infer_missing: bool = False,
        only: Sequence[str] | None = None,
        exclude: Sequence[str] = (),
        many: bool = False,
        context: Any = None,
        load_only: Sequence[str] = (),
        dump_only: Sequence[str] = (),
        partial: bool = False,
        unknown: Any = None,
    ) -> RecordSchema:
        return RecordSchema(cls, many=many, only=only, exclude=exclude)


@attrs.frozen
class Image(_JsonMixin):
    """A named container image: ``fqn`` plus a tag **or** a digest (never both)."""

    name: str
    fqn: str
    tag: str | None = None
    digest: str | None = attrs.field(default=None, validator=_check_tag_or_digest)

    @property
    def full(self) -> str:
        """``fqn@digest`` when there is a digest, else ``fqn:tag`` (``fqn:None`` without a tag, as flytekit)."""
        return f"{self.fqn}@{self.digest}" if self.digest else f"{self.fqn}:{self.tag}"

    @property
    def version(self) -> str | None:
        """The digest if any, else the tag."""
        return self.digest or self.tag

    @staticmethod
    def look_up_image_info(name: str, image_identifier: str, allow_no_tag_or_digest: bool = False) -> Image:
        """Parse ``image_identifier`` into an ``Image`` called ``name``.

        Raises :class:`InvalidImageError` when there is neither a tag nor a digest, unless
        ``allow_no_tag_or_digest``.
        """
        fqn, tag, digest = parse_image_identifier(image_identifier)
        if not allow_no_tag_or_digest and tag is None and digest is None:
            raise InvalidImageError(f"Incorrectly formatted image {image_identifier}, missing tag or digest")
        return Image(name=name, fqn=fqn, tag=tag, digest=digest)


def _opt_image_tuple(images: Iterable[Image] | None) -> tuple[Image, ...] | None:
    return None if images is None else tuple(images)


@attrs.frozen
class ImageConfig(_JsonMixin):
    """The default image plus the other named images a task may refer to (``{{.image.<name>...}}``).

    Like flytekit's ``create_from``, the constructors below put the default image first in ``images``.
    """

    default_image: Image | None = None
    images: tuple[Image, ...] | None = attrs.field(default=None, converter=_opt_image_tuple)

    def find_image(self, name: str) -> Image | None:
        """The first image called ``name``, looking at the default image first."""
        candidates: list[Image] = [self.default_image] if self.default_image else []
        candidates.extend(self.images or ())
        for image in candidates:
            if image.name == name:
                return image
        return None

    @classmethod
    def create_from(
        cls, default_image: Image | None, other_images: Iterable[Image] | None = None
    ) -> ImageConfig:
        all_images: list[Image] = [default_image] if default_image else []
        all_images.extend(other_images or ())
        return cls(default_image=default_image, images=all_images)

    @classmethod
    def from_images(cls, default_image: str | None, m: Mapping[str, str] | None = None) -> ImageConfig:
        """A default image reference (tag or digest required) plus ``name → reference`` (tag optional)."""
        default = Image.look_up_image_info(DEFAULT_IMAGE_NAME, default_image) if default_image else None
        others = [Image.look_up_image_info(k, v, allow_no_tag_or_digest=True) for k, v in (m or {}).items()]
        return cls.create_from(default, others)

    @classmethod
    def from_config(cls, config_images: Mapping[str, str], img_name: str | None = None) -> ImageConfig:
        """flytekit's ``ImageConfig.auto``, with the config file's ``[images]`` section passed in."""
        return cls.from_images(img_name, config_images)

    @staticmethod
    def validate_image(
        values: Sequence[str], fallback_default_image: str, param: str = "image"
    ) -> ImageConfig:
        """Build an ImageConfig from ``--image`` style options: ``name=uri`` or a bare ``uri`` (the default).

        At most one default image is allowed; without one, ``fallback_default_image`` (flytekit's
        ``DefaultImages.default_image()``, which the caller computes) is used.
        """
        default: Image | None = None
        others: list[Image] = []
        for value in values:
            name, eq, uri = value.partition("=")
            image = (
                Image.look_up_image_info(name, uri)
                if eq
                else Image.look_up_image_info(DEFAULT_IMAGE_NAME, value)
            )
            if image.name == DEFAULT_IMAGE_NAME:
                if default is not None:
                    raise InvalidImageError(
                        f"Only one default image can be specified. Received multiple {default} & {image} for {param}"
                    )
                default = image
            else:
                others.append(image)
        if default is None:
            default = Image.look_up_image_info(DEFAULT_IMAGE_NAME, fallback_default_image)
        return ImageConfig.create_from(default, others)


# ------------------------------------------------------------------------------------ serialization

ResourceScalar = Union[str, int, float]
ResourceValue = Union[ResourceScalar, tuple[ResourceScalar, ...], None]


def _resource_value(value: ResourceScalar | Sequence[ResourceScalar] | None) -> ResourceValue:
    if value is None or isinstance(value, (str, int, float)):
        return value
    return tuple(value)


@attrs.frozen
class Resources(_JsonMixin):
    """flytekit's ``Resources``; a pair ``(request, limit)`` is a tuple (a JSON list)."""

    cpu: ResourceValue = attrs.field(default=None, converter=_resource_value)
    mem: ResourceValue = attrs.field(default=None, converter=_resource_value)
    gpu: ResourceValue = attrs.field(default=None, converter=_resource_value)
    ephemeral_storage: ResourceValue = attrs.field(default=None, converter=_resource_value)


@attrs.frozen
class ResourceSpec(_JsonMixin):
    requests: Resources
    limits: Resources


@attrs.frozen
class EntrypointSettings(_JsonMixin):
    """Where ``pyflyte-execute``'s code lives (used by e.g. spark tasks)."""

    path: str | None = None


@attrs.frozen
class FastSerializationSettings(_JsonMixin):
    """Fast registration: the code archive (``distribution_location``) and where to unpack it."""

    enabled: bool = False
    destination_dir: str | None = None
    distribution_location: str | None = None


def _opt_frozen(env: Mapping[str, str] | None) -> FrozenDict[str, str] | None:
    if env is None or isinstance(env, FrozenDict):
        return env
    return FrozenDict(env)


def venv_root_from_interpreter(interpreter_path: str) -> str:
    """``/opt/venv/bin/python3`` → ``/opt/venv`` (two ``dirname`` steps, POSIX rules)."""
    return posixpath.dirname(posixpath.dirname(interpreter_path))


@attrs.frozen
class SerializationSettings(_JsonMixin):
    """flytekit 1.16's ``SerializationSettings``: same fields, order and defaults.

    ``flytekit_virtualenv_root`` left as None is filled in from ``python_interpreter``, as flytekit's
    ``__post_init__`` does (so an explicit ``null`` in JSON decodes to the computed root).
    """

    image_config: ImageConfig
    project: str | None = None
    domain: str | None = None
    version: str | None = None
    env: Mapping[str, str] | None = attrs.field(default=None, converter=_opt_frozen)
    default_resources: ResourceSpec | None = None
    git_repo: str | None = None
    python_interpreter: str = DEFAULT_RUNTIME_PYTHON_INTERPRETER
    flytekit_virtualenv_root: str | None = None
    fast_serialization_settings: FastSerializationSettings | None = None
    source_root: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.flytekit_virtualenv_root is None:
            object.__setattr__(
                self, "flytekit_virtualenv_root", venv_root_from_interpreter(self.python_interpreter)
            )

    venv_root_from_interpreter = staticmethod(venv_root_from_interpreter)

    @staticmethod
    def default_entrypoint_settings(interpreter_path: str) -> EntrypointSettings:
        root = venv_root_from_interpreter(interpreter_path)
        return EntrypointSettings(path=posixpath.join(root, DEFAULT_FLYTEKIT_ENTRYPOINT_FILELOC))

    @property
    def entrypoint_settings(self) -> EntrypointSettings:
        return SerializationSettings.default_entrypoint_settings(self.python_interpreter)

    def should_fast_serialize(self) -> bool:
        return self.fast_serialization_settings is not None and self.fast_serialization_settings.enabled

    @staticmethod
    def from_transport(s: str) -> SerializationSettings:
        """Decode an ``_F_SS_C`` value; raises ``SerializedContextError`` (a ValueError) when it is bad."""
        from flyte_entrypoint.schemas.settings_transport import decode_serialized_context

        result = decode_serialized_context(s)
        if isinstance(result, Failure):
            raise result.failure()
        settings: SerializationSettings = result.unwrap()
        return settings

    @property
    def serialized_context(self) -> str:
        """The ``_F_SS_C`` value for these settings (an ``_F_SS_C`` already in ``env`` wins)."""
        from flyte_entrypoint.schemas.settings_transport import serialized_context

        return serialized_context(self)

    def with_serialized_context(self) -> SerializationSettings:
        """These settings with ``env[_F_SS_C]`` set to their own encoding (self if already set)."""
        from flyte_entrypoint.schemas.settings_transport import with_serialized_context

        return with_serialized_context(self)

    def new_builder(self) -> SerializationSettings.Builder:
        """A mutable copy of the fields; ``build()`` gives new settings (flytekit's builder)."""
        return SerializationSettings.Builder(**{f.name: getattr(self, f.name) for f in attrs.fields(SerializationSettings)})

    class Builder:
        """flytekit's ``SerializationSettings.Builder``: the fields as plain attributes, then ``build()``."""

        def __init__(self, image_config: ImageConfig, **fields: Any) -> None:
            self.image_config = image_config
            for f in attrs.fields(SerializationSettings)[1:]:
                setattr(self, f.name, fields.get(f.name, f.default))

        def build(self) -> SerializationSettings:
            return SerializationSettings(**{f.name: getattr(self, f.name) for f in attrs.fields(SerializationSettings)})

    @classmethod
    def for_image(
        cls,
        image: str,
        version: str,
        project: str = "",
        domain: str = "",
        python_interpreter_path: str = DEFAULT_RUNTIME_PYTHON_INTERPRETER,
    ) -> SerializationSettings:
        """Settings for one default image (tag or digest required); ``images`` stays None as in flytekit."""
        img = ImageConfig(default_image=Image.look_up_image_info(DEFAULT_IMAGE_NAME, image))
        return cls(
            image_config=img,
            project=project,
            domain=domain,
            version=version,
            python_interpreter=python_interpreter_path,
            flytekit_virtualenv_root=venv_root_from_interpreter(python_interpreter_path),
        )


# ----------------------------------------------------------------------------------- stats, secrets


@attrs.frozen
class StatsConfig(_JsonMixin):
    """Where user statsd metrics go. Read from ``FLYTE_SECRETS_*`` (sic, PROTOCOL Q9) by ``core.settings_rules``."""

    host: str = DEFAULT_STATSD_HOST
    port: int = DEFAULT_STATSD_PORT
    disabled: bool = False
    disable_tags: bool = attrs.field(default=False, alias="disabled_tags")

    @property
    def disabled_tags(self) -> bool:
        """flytekit's name for :attr:`disable_tags`."""
        return self.disable_tags


@attrs.frozen
class SecretsConfig(_JsonMixin):
    """Where secrets are looked up: ``<env_prefix>GROUP_KEY`` and ``<default_dir>/group/<file_prefix>key``."""

    env_prefix: str = DEFAULT_SECRETS_ENV_PREFIX
    default_dir: str = DEFAULT_SECRETS_DIR
    file_prefix: str = ""


# ------------------------------------------------------------------------------------------ cattrs


def _strict_str(value: Any, _tp: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}: {value!r}")
    return value


def _strict_bool(value: Any, _tp: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected a boolean, got {type(value).__name__}: {value!r}")
    return value


def _strict_int(value: Any, _tp: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {type(value).__name__}: {value!r}")
    return value


def _is_resource_scalar(value: Any) -> bool:
    return isinstance(value, (str, int, float)) and not isinstance(value, bool)


def _structure_resource_value(value: Any, _tp: Any) -> ResourceValue:
    if value is None or _is_resource_scalar(value):
        return value  # type: ignore[no-any-return]
    if isinstance(value, (list, tuple)) and len(value) == 2 and all(_is_resource_scalar(v) for v in value):
        return tuple(value)
    raise TypeError(
        f"expected a resource quantity (str, int, float or a [request, limit] pair), got {value!r}"
    )


def _structure_env(value: Any, _tp: Any) -> FrozenDict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise TypeError(f"expected an object of strings, got {type(value).__name__}")
    for k, v in value.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise TypeError(f"expected string keys and values, got {k!r}: {v!r}")
    return FrozenDict(value)


def _unstructure_resource_value(value: ResourceValue) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _unstructure_env(value: Mapping[str, str] | None) -> dict[str, str] | None:
    return None if value is None else dict(value)


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=False)
    conv.register_structure_hook(str, _strict_str)
    conv.register_structure_hook(bool, _strict_bool)
    conv.register_structure_hook(int, _strict_int)
    conv.register_structure_hook(ResourceValue, _structure_resource_value)
    conv.register_unstructure_hook(ResourceValue, _unstructure_resource_value)
    conv.register_structure_hook(Union[Mapping[str, str], None], _structure_env)
    conv.register_unstructure_hook(Union[Mapping[str, str], None], _unstructure_env)
    return conv


converter: cattrs.Converter = _make_converter()
"""The settings converter: strict scalar types, unknown keys ignored, tuples ↔ lists, env ↔ dict."""


def to_dict(record: Any) -> dict[str, Any]:
    """A plain, JSON-ready dict in declaration order (flytekit's ``to_dict()``)."""
    result = converter.unstructure(record)
    if not isinstance(result, dict):
        raise TypeError(f"{type(record).__name__} is not a settings record")
    return result


def from_dict(cls: type[T], d: Mapping[str, Any]) -> T:
    """Inverse of :func:`to_dict`; raises ``cattrs`` errors (``ClassValidationError``) on bad input."""
    return converter.structure(d, cls)


def to_json(record: Any) -> str:
    """flytekit's dataclasses-json ``to_json()`` byte for byte: ``json.dumps`` defaults over :func:`to_dict`."""
    return json.dumps(to_dict(record))


def from_json(cls: type[T], s: str | bytes) -> T:
    """Inverse of :func:`to_json`; raises ``ValueError`` (bad JSON) or ``cattrs`` errors."""
    return from_dict(cls, json.loads(s))
