"""flytekit's accelerator requests (``flytekit.extras.accelerators``): device names Flyte's backend matches on."""

from __future__ import annotations


class BaseAccelerator:
    """A GPU/TPU request, by the device name Flyte's backend matches on."""

    def __init__(self, device: str) -> None:
        self._device = device

    @property
    def device(self) -> str:
        return self._device

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._device!r})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other._device == self._device

    def __hash__(self) -> int:
        return hash((type(self).__name__, self._device))


class GPUAccelerator(BaseAccelerator):
    pass


class MultiInstanceGPUAccelerator(BaseAccelerator):
    """A device with partitions (``A100.partition_1g_5gb`` ...): ``partition`` is kept, not interpreted."""

    def __init__(self, device: str, partition: str | None = None) -> None:
        super().__init__(device)
        self.partition = partition

    def __getattr__(self, name: str) -> MultiInstanceGPUAccelerator:
        if name.startswith("partition_"):
            return MultiInstanceGPUAccelerator(self._device, name[len("partition_"):].replace("_", "."))
        raise AttributeError(name)


A10G = GPUAccelerator("nvidia-a10g")
L4 = GPUAccelerator("nvidia-l4")
L4_VWS = GPUAccelerator("nvidia-l4-vws")
L40S = GPUAccelerator("nvidia-l40s")
K80 = GPUAccelerator("nvidia-tesla-k80")
M60 = GPUAccelerator("nvidia-tesla-m60")
P4 = GPUAccelerator("nvidia-tesla-p4")
P100 = GPUAccelerator("nvidia-tesla-p100")
T4 = GPUAccelerator("nvidia-tesla-t4")
V100 = GPUAccelerator("nvidia-tesla-v100")
H100 = GPUAccelerator("nvidia-h100")
H200 = GPUAccelerator("nvidia-h200")
A100 = MultiInstanceGPUAccelerator("nvidia-tesla-a100")
A100_80GB = MultiInstanceGPUAccelerator("nvidia-a100-80gb")
