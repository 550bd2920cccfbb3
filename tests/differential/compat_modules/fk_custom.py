"""A task module written for flytekit that extends its type engine (flytesnacks 'extending' patterns).

``Bundle`` is a set of files that travels as a multipart blob, written and read by a user ``TypeTransformer``
through ``ctx.file_access``; ``Probe`` is a ``PythonTask`` subclass with a hand-written ``Interface``.
"""

import os
import tempfile
import typing
from pathlib import Path

from flytekit import Blob, BlobMetadata, BlobType, FlyteContext, Literal, LiteralType, Scalar, task, workflow
from flytekit.extend import Interface, PythonTask, TypeEngine, TypeTransformer
from flytekit.models.literals import Primitive
from flytekit.models.types import SimpleType


class Bundle:
    def __init__(self, root: typing.Optional[str] = None) -> None:
        self.root = root if root is not None else tempfile.mkdtemp(prefix="bundle-")

    def add(self, name: str, text: str) -> None:
        Path(self.root, name).write_text(text)

    def names(self) -> typing.List[str]:
        return sorted(os.listdir(self.root))

    def read(self, name: str) -> str:
        return Path(self.root, name).read_text()


class BundleTransformer(TypeTransformer[Bundle]):
    _BLOB = BlobType(format="bundle", dimensionality=BlobType.BlobDimensionality.MULTIPART)

    def __init__(self) -> None:
        super().__init__(name="bundle-transformer", t=Bundle)

    def get_literal_type(self, t: typing.Type[Bundle]) -> LiteralType:
        return LiteralType(blob=self._BLOB)

    def to_literal(self, ctx: FlyteContext, python_val: Bundle, python_type: typing.Type[Bundle],
                   expected: LiteralType) -> Literal:
        remote = ctx.file_access.get_random_remote_directory()
        ctx.file_access.upload_directory(python_val.root, remote)
        return Literal(scalar=Scalar(blob=Blob(uri=remote, metadata=BlobMetadata(type=self._BLOB))))

    def to_python_value(self, ctx: FlyteContext, lv: Literal, expected_python_type: typing.Type[Bundle]) -> Bundle:
        local = ctx.file_access.get_random_local_directory()
        ctx.file_access.download_directory(lv.scalar.blob.uri, local)
        return Bundle(local)


TypeEngine.register(BundleTransformer())


class Reading:
    def __init__(self, value: float) -> None:
        self.value = value


class ReadingTransformer(TypeTransformer[Reading]):
    """A float on the wire; refuses negative readings when it reads them back."""

    def __init__(self) -> None:
        super().__init__(name="reading", t=Reading)

    def get_literal_type(self, t: typing.Type[Reading]) -> LiteralType:
        return LiteralType(simple=SimpleType.FLOAT)

    def to_literal(self, ctx: FlyteContext, python_val: Reading, python_type: typing.Type[Reading],
                   expected: LiteralType) -> Literal:
        return Literal(scalar=Scalar(primitive=Primitive(float_value=python_val.value)))

    def to_python_value(self, ctx: FlyteContext, lv: Literal, expected_python_type: typing.Type[Reading]) -> Reading:
        value = lv.scalar.primitive.float_value
        if value < 0:
            raise ValueError(f"negative reading {value}")
        return Reading(value)


TypeEngine.register(ReadingTransformer())


@task
def calibrate(r: Reading, readings: typing.Dict[str, Reading]) -> typing.Optional[Reading]:
    return Reading(r.value + sum(x.value for x in readings.values()))


@task
def shift(r: Reading, by: float) -> Reading:
    return Reading(r.value + by)


@task
def make_bundle(n: int) -> Bundle:
    b = Bundle()
    for i in range(n):
        b.add(f"part{i}.txt", f"part {i} of {n}\n")
    return b


@task
def read_bundle(b: Bundle) -> str:
    return "".join(b.read(name) for name in b.names())


@task
def extend_bundle(b: Bundle, extra: str) -> typing.List[Bundle]:
    b.add("extra.txt", extra)
    return [b, b]


@task
def bad_bundle() -> Bundle:
    return "not a bundle"  # type: ignore[return-value]


class Probe(PythonTask):
    def __init__(self, name: str, **kwargs: typing.Any) -> None:
        super().__init__(task_type="probe", name=name, task_config=None,
                         interface=Interface(inputs={"word": str, "times": (int, 2)}, outputs={"echo": str}),
                         **kwargs)

    def execute(self, **kwargs: typing.Any) -> typing.Any:
        return " ".join([kwargs["word"]] * kwargs["times"])


probe = Probe(name="fk_custom.probe")


@workflow
def custom_wf(n: int = 3) -> str:
    return read_bundle(b=make_bundle(n=n))


@workflow
def probe_wf(word: str = "flyte") -> str:
    return probe(word=word, times=3)


if __name__ == "__main__":
    print(custom_wf())
