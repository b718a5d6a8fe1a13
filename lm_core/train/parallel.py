"""Training across processes, run for real at toy scale: data, tensor and pipeline parallelism.

Big models are trained on thousands of accelerators at once. The three ways of splitting the
work are run here with PyTorch's own distributed engine (``torch.distributed``) on two worker
processes that talk over 127.0.0.1 (gloo; NCCL when two CUDA devices exist):

* :func:`data_parallel`: both workers hold the whole tiny GPT, each trains on half of every
  batch, ``DistributedDataParallel`` averages the gradients (one all-reduce per step). The loss
  curve equals one process trained on the whole batch.
* :func:`tensor_parallel`: one feed-forward layer split column-then-row and one attention layer
  split by heads; each worker holds half of every matrix and one all-reduce sums the halves'
  outputs. The result equals the unsplit layer.
* :func:`pipeline_parallel`: the layers split between the workers; micro-batches flow through
  (the GPipe schedule: every forward, then every backward) with send/recv, and each step's
  start and end are measured so the "bubble" (time a worker waits) can be drawn and compared
  with the formula (p - 1) / (m + p - 1).

Workers are fresh Python processes, started the way ``torchrun`` starts them, and always cleaned
up (:func:`run_workers`): the caller waits with a time limit, stops them when asked, terminates
and kills whatever is left, and every worker exits by itself if its parent dies. Results are plain data (floats, lists,
dicts, tensors) so a job of the shared queue can hand them on.
"""

from __future__ import annotations

import datetime
import os
import pickle
import queue as queue_module
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn.functional as F

from lm_core.core.device import training_threads
from lm_core.core.errors import InputError
from lm_core.core.once import once
from lm_core.models.attention import attend, merge_heads, split_heads
from lm_core.models.gpt import GPT, GPTConfig
from lm_core.train.loop import TrainConfig, get_batch, make_optimizer
from lm_core.train.pretrain import seeded_gpt

WORLD_SIZE = 2  # two workers: enough to show every split, and all this machine can give
RUN_TIMEOUT_S = 120.0  # start-up included: each worker imports torch, slow on a busy machine
COLLECTIVE_TIMEOUT_S = 60.0  # a peer that died must not leave the other waiting for ever
MICRO_BATCH_CHOICES = (1, 2, 4, 8)
PROJECT_ROOT = Path(__file__).resolve().parents[2]  # where a worker finds lm_core

ProgressFn = Callable[[dict], None]
StopFn = Callable[[], bool]


# --------------------------------------------------------------------------- workers


def backend_name() -> str:
    """NCCL when two CUDA devices can each hold a worker, else gloo (CPU, any machine)."""
    return "nccl" if torch.cuda.is_available() and torch.cuda.device_count() >= WORLD_SIZE else "gloo"


def free_port() -> int:
    """A TCP port nobody listens on right now (the workers meet there)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _send(stream, message: object) -> None:  # noqa: ANN001
    """One message on a byte stream: its length, then its pickle."""
    data = pickle.dumps(message)
    stream.write(struct.pack("!Q", len(data)) + data)
    stream.flush()


def _receive(stream) -> object:  # noqa: ANN001
    """The next message from a byte stream (EOFError when the other side has gone)."""
    header = stream.read(8)
    if len(header) < 8:
        raise EOFError
    (size,) = struct.unpack("!Q", header)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)  # noqa: S301 - our own parent or worker wrote it a moment ago


def _worker_entry() -> None:
    """What a worker process runs: read its orders from stdin, join the group, run the task,
    send progress and the result on its own channel, leave the group.

    Its stdin stays open for as long as the parent lives: when it closes (the parent exited or
    was killed) the worker exits at once instead of living on as an orphan.
    """
    channel = os.fdopen(os.dup(1), "wb")  # messages; stray prints go to stderr
    os.dup2(2, 1)
    orders = sys.stdin.buffer
    rank, world_size, port, backend, task, args = _receive(orders)

    def exit_with_parent() -> None:
        orders.read()  # returns at EOF: the parent is gone
        os._exit(3)

    threading.Thread(target=exit_with_parent, name="parent-watch", daemon=True).start()
    torch.set_num_threads(1)  # two workers on two cores: one thread each, no spin-waiting
    joined = False
    try:
        dist.init_process_group(backend, init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world_size,
                                timeout=datetime.timedelta(seconds=COLLECTIVE_TIMEOUT_S))
        joined = True
        if backend == "nccl":
            torch.cuda.set_device(rank)
        result = task(rank, world_size, *args, lambda info: _send(channel, ("progress", rank, info)))
        _send(channel, ("done", rank, result))
    except BaseException as exc:  # noqa: BLE001 - whatever happened, the parent must hear of it
        _send(channel, ("error", rank, f"{type(exc).__name__}: {exc}".splitlines()[0][:300]))
    finally:
        if joined:
            try:
                dist.destroy_process_group()
            except Exception:  # noqa: BLE001 - leaving a broken group must not hide the real error
                pass
        channel.close()


def _read_messages(rank: int, worker: subprocess.Popen, inbox: queue_module.Queue) -> None:
    """A thread per worker: its messages into one inbox, then ("exit", rank, code)."""
    try:
        while True:
            inbox.put(_receive(worker.stdout))
    except (EOFError, OSError, pickle.UnpicklingError):
        pass
    inbox.put(("exit", rank, worker.wait()))


def stop_workers(workers: list[subprocess.Popen], grace_s: float = 2.0) -> None:
    """Close their orders (they exit when they see it), wait briefly, then terminate, then kill:
    none survives."""
    for worker in workers:
        if worker.stdin is not None and not worker.stdin.closed:
            try:
                worker.stdin.close()
            except OSError:
                pass
    deadline = time.monotonic() + grace_s
    for worker in workers:
        try:
            worker.wait(max(0.01, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            worker.terminate()
    for worker in workers:
        try:
            worker.wait(1.0)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        for stream in (worker.stdout, worker.stderr):
            if stream is not None:
                stream.close()


def _worker_command() -> list[str]:
    # A fresh interpreter that imports this module and nothing else: a spawned
    # multiprocessing worker would re-run the parent's __main__, which under Streamlit is
    # the page being shown.
    return [sys.executable, "-c", "from lm_core.train.parallel import _worker_entry; _worker_entry()"]


def run_workers(task: Callable, args: tuple = (), *, world_size: int = WORLD_SIZE, timeout_s: float = RUN_TIMEOUT_S,
                progress: ProgressFn | None = None, should_stop: StopFn | None = None) -> list:
    """Run ``task(rank, world_size, *args, report)`` in ``world_size`` worker processes; their
    results by rank.

    The workers are fresh Python processes (as ``torchrun`` starts them) that meet at a free
    port of 127.0.0.1. ``task`` must be a module-level function. A worker's error, its death,
    ``should_stop()`` turning True or ``timeout_s`` passing ends every worker and raises; in
    every case no worker outlives this call.
    """
    backend = backend_name()
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")])),
           "OMP_NUM_THREADS": "1", "GLOO_SOCKET_IFNAME": os.environ.get("GLOO_SOCKET_IFNAME", "lo")}
    inbox: queue_module.Queue = queue_module.Queue()
    workers: list[subprocess.Popen] = []
    results: dict[int, object] = {}
    try:
        for rank in range(world_size):
            worker = subprocess.Popen(_worker_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.DEVNULL, env=env, cwd=str(PROJECT_ROOT))
            workers.append(worker)
            _send(worker.stdin, (rank, world_size, port, backend, task, args))
            threading.Thread(target=_read_messages, args=(rank, worker, inbox), daemon=True).start()
        deadline = time.monotonic() + timeout_s
        while len(results) < world_size:
            if should_stop is not None and should_stop():
                raise InputError("jobs.cancelled")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the workers did not finish within {timeout_s:.0f} s")
            try:
                kind, rank, payload = inbox.get(timeout=0.1)
            except queue_module.Empty:
                continue
            if kind == "error":
                raise RuntimeError(f"worker {rank} failed: {payload}")
            if kind == "exit" and rank not in results:
                raise RuntimeError(f"worker {rank} stopped with exit code {payload}")
            if kind == "progress" and progress is not None:
                progress(payload)
            elif kind == "done":
                results[rank] = payload
    finally:
        stop_workers(workers)
    return [results[rank] for rank in range(world_size)]

def _device(backend: str | None = None) -> torch.device:
    backend = backend or (dist.get_backend() if dist.is_initialized() else "gloo")
    return torch.device("cuda", torch.cuda.current_device()) if backend == "nccl" else torch.device("cpu")


def _sync(device: torch.device) -> None:
    """Wait for the device, so a timestamp marks when work really ended."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


# --------------------------------------------------------------------------- the model and data


@once(maxsize=2)
def toy_text_ids(lang: str = "en", n_sentences: int = 400) -> tuple[torch.Tensor, int]:
    """Token ids of the first sentences of the toy world (one token per character) and the
    vocabulary size: small and fast to build in every worker."""
    from lm_core.data.corpora import load_corpus
    from lm_core.tokenizers.lm import CharTokenizer

    sentences = list(load_corpus(f"toy_{'zh' if lang == 'zh' else 'en'}").sentences)[:n_sentences]
    tokenizer = CharTokenizer.train(sentences)
    return torch.tensor(tokenizer.encode_corpus(sentences), dtype=torch.long), tokenizer.vocab_size


def tiny_config(vocab_size: int, n_layer: int = 2, n_head: int = 2, n_embd: int = 32, block_size: int = 32) -> GPTConfig:
    return GPTConfig(vocab_size=vocab_size, block_size=block_size, n_layer=n_layer, n_head=n_head, n_embd=n_embd)


# --------------------------------------------------------------------------- data parallel


def _train_steps(model: GPT, ids: torch.Tensor, steps: int, global_batch: int, seed: int, rank: int, world_size: int,
                 after_step: Callable[[int, float, float], None] | None = None) -> list[float]:
    """Train for ``steps`` steps on batches of ``global_batch`` windows; this process takes
    slice ``rank`` of ``world_size`` of each. The loss it returns is the global batch's mean."""
    config = TrainConfig(learning_rate=3e-3, weight_decay=0.0, grad_clip=0.0, seed=seed)
    optimizer = make_optimizer(model, config)
    generator = torch.Generator().manual_seed(seed)
    device = next(model.parameters()).device
    share = global_batch // world_size
    block_size = getattr(model, "module", model).config.block_size  # DDP wraps the model in .module
    losses = []
    model.train()
    for step in range(steps):
        started = time.perf_counter()
        x, y = get_batch(ids, block_size, global_batch, generator)  # every process draws the same global batch
        x, y = x[rank * share:(rank + 1) * share].to(device), y[rank * share:(rank + 1) * share].to(device)
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        value = loss.detach()
        if world_size > 1:
            dist.all_reduce(value)  # the mean over the halves is the global batch's loss
            value = value / world_size
        _sync(device)
        losses.append(float(value))
        if after_step is not None:
            after_step(step, losses[-1], time.perf_counter() - started)
    return losses


def _timed_allreduce_hook(state: dict, bucket):  # noqa: ANN001, ANN201
    """A DDP communication hook that averages a bucket of gradients and measures it: the time
    spent and the bytes sent. (Blocking, so the split between computing and communicating is
    clear; DDP's default overlaps the all-reduce with the backward pass.)"""
    tensor = bucket.buffer()
    started = time.perf_counter()
    dist.all_reduce(tensor)
    tensor.div_(dist.get_world_size())
    _sync(tensor.device)
    state["comm_s"] += time.perf_counter() - started
    state["bytes"] += tensor.numel() * tensor.element_size()
    state["buckets"] += 1
    future = torch.futures.Future()
    future.set_result(tensor)
    return future


def _data_parallel_task(rank: int, world_size: int, lang: str, steps: int, global_batch: int, seed: int,
                        report: ProgressFn) -> dict:
    from torch.nn.parallel import DistributedDataParallel

    ids, vocab = toy_text_ids(lang)
    device = _device()
    model = seeded_gpt(tiny_config(vocab), seed).to(device)
    ddp = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)
    state = {"comm_s": 0.0, "bytes": 0, "buckets": 0}
    ddp.register_comm_hook(state, _timed_allreduce_hook)
    step_s, comm_s, sent = [], [], []

    def after_step(step: int, loss: float, seconds: float) -> None:
        step_s.append(seconds)
        comm_s.append(state["comm_s"])
        sent.append(state["bytes"])
        state["comm_s"], state["bytes"] = 0.0, 0
        if rank == 0:
            report({"step": step + 1, "steps": steps, "loss": loss})

    losses = _train_steps(ddp, ids, steps, global_batch, seed, rank, world_size, after_step)
    return {"losses": losses, "step_s": step_s, "comm_s": comm_s, "bytes": sent, "buckets": state["buckets"],
            "parameters": sum(p.numel() for p in model.parameters())}


def single_process_losses(lang: str, steps: int, global_batch: int, seed: int) -> dict:
    """The same training in this one process on the whole batch: the curve data parallelism must equal."""
    ids, vocab = toy_text_ids(lang)
    model = seeded_gpt(tiny_config(vocab), seed)
    step_s: list[float] = []
    with training_threads(1):  # one thread, like each worker: a fair comparison
        losses = _train_steps(model, ids, steps, global_batch, seed, 0, 1,
                              lambda step, loss, seconds: step_s.append(seconds))
    return {"losses": losses, "step_s": step_s}


def data_parallel(lang: str = "en", steps: int = 30, global_batch: int = 16, seed: int = 0,
                  progress: ProgressFn | None = None, should_stop: StopFn | None = None) -> dict:
    """Train the tiny GPT with two processes (each half of every batch) and with one process
    (the whole batch); both loss curves, and what each step cost the workers.

    Returns ``losses_one`` and ``losses_two`` (one float per step), ``max_difference``,
    ``bytes_per_step`` (gradient bytes all-reduced per worker per step, equal to the
    parameters × 4), ``ring_bytes_per_step`` (what a ring all-reduce sends per worker:
    2 (p - 1) / p of that), ``compute_s`` and ``communicate_s`` (median per step, worker 0),
    ``step_s_one`` (median step of the one process), ``parameters``, ``backend``.
    """
    _check_steps(steps, global_batch)
    one = single_process_losses(lang, steps, global_batch, seed)
    workers = run_workers(_data_parallel_task, (lang, steps, global_batch, seed), progress=progress,
                          should_stop=should_stop)
    first = workers[0]
    compute = [total - comm for total, comm in zip(first["step_s"], first["comm_s"], strict=True)]
    per_step = _median(first["bytes"])
    return {
        "losses_one": one["losses"],
        "losses_two": first["losses"],
        "max_difference": max(abs(a - b) for a, b in zip(one["losses"], first["losses"], strict=True)),
        "bytes_per_step": per_step,
        "ring_bytes_per_step": 2 * (WORLD_SIZE - 1) / WORLD_SIZE * per_step,
        "compute_s": _median(compute),
        "communicate_s": _median(first["comm_s"]),
        "step_s_one": _median(one["step_s"]),
        "parameters": first["parameters"],
        "global_batch": global_batch,
        "steps": steps,
        "backend": backend_name(),
    }


def _check_steps(steps: int, global_batch: int) -> None:
    if not 1 <= steps <= 500:
        raise InputError("errors.setting.steps", low=1, high=500)
    if global_batch < WORLD_SIZE or global_batch % WORLD_SIZE:
        raise ValueError(f"the global batch ({global_batch}) must split evenly between {WORLD_SIZE} workers")


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return float(ordered[len(ordered) // 2]) if ordered else 0.0


# --------------------------------------------------------------------------- tensor parallel


def _tp_inputs(seed: int, batch: int = 4, tokens: int = 16, n_embd: int = 32, n_head: int = 4):  # noqa: ANN202
    """One block of the tiny GPT (seeded) and an input for it: the same in every process."""
    config = GPTConfig(vocab_size=64, block_size=tokens, n_layer=1, n_head=n_head, n_embd=n_embd)
    block = seeded_gpt(config, seed).blocks[0]
    x = torch.randn(batch, tokens, n_embd, generator=torch.Generator().manual_seed(seed + 1))
    return block, x


def mlp_shard(block, rank: int, world_size: int) -> dict[str, torch.Tensor]:  # noqa: ANN001
    """What worker ``rank`` holds of the feed-forward layer: a slice of the first matrix's
    output columns (rows of ``fc.weight``) and the same slice of the second's input columns."""
    hidden = block.mlp.fc.weight.shape[0]
    part = slice(rank * hidden // world_size, (rank + 1) * hidden // world_size)
    return {"fc": block.mlp.fc.weight[part].detach().clone(), "proj": block.mlp.proj.weight[:, part].detach().clone()}


def mlp_partial(x: torch.Tensor, shard: dict[str, torch.Tensor]) -> torch.Tensor:
    """This worker's share of the output: GELU works column by column, so no talking is
    needed until the end, where the shares are summed (one all-reduce)."""
    return F.gelu(x @ shard["fc"].T) @ shard["proj"].T


def attention_shard(block, rank: int, world_size: int) -> dict[str, torch.Tensor]:  # noqa: ANN001
    """What worker ``rank`` holds of the attention layer: the query, key and value rows of
    its heads, and the output projection's columns that read those heads."""
    attn = block.attn
    width = attn.proj.weight.shape[0]
    per = width // world_size
    part = slice(rank * per, (rank + 1) * per)
    q, k, v = attn.qkv.weight.detach().split(width, dim=0)
    return {"q": q[part].clone(), "k": k[part].clone(), "v": v[part].clone(),
            "proj": attn.proj.weight[:, part].detach().clone(), "heads": attn.n_head // world_size}


def attention_partial(x: torch.Tensor, shard: dict) -> torch.Tensor:
    """Attention of this worker's heads only, projected with its columns: a share of the output."""
    heads = shard["heads"]
    q, k, v = (split_heads(x @ shard[name].T, heads) for name in ("q", "k", "v"))
    return merge_heads(attend(q, k, v, causal=True)) @ shard["proj"].T


def _holdings(block, world_size: int) -> list[dict]:  # noqa: ANN001
    """For the drawing: each full matrix, its shape and which rows/columns each worker holds."""
    width = block.attn.proj.weight.shape[0]
    hidden = block.mlp.fc.weight.shape[0]
    rows = []
    for name, shape, axis, size in (
        ("attn.q", (width, width), "rows", width),
        ("attn.k", (width, width), "rows", width),
        ("attn.v", (width, width), "rows", width),
        ("attn.proj", (width, width), "columns", width),
        ("mlp.fc", (hidden, width), "rows", hidden),
        ("mlp.proj", (width, hidden), "columns", hidden),
    ):
        per = size // world_size
        rows.append({"matrix": name, "shape": list(shape), "split": axis,
                     "parts": [[rank * per, (rank + 1) * per] for rank in range(world_size)]})
    return rows


def _tensor_parallel_task(rank: int, world_size: int, seed: int, report: ProgressFn) -> dict:
    device = _device()
    block, x = _tp_inputs(seed)
    x = x.to(device)
    out = {}
    for kind, shard_fn, partial_fn in (("mlp", mlp_shard, mlp_partial), ("attention", attention_shard, attention_partial)):
        shard = {k: (v.to(device) if isinstance(v, torch.Tensor) else v) for k, v in shard_fn(block, rank, world_size).items()}
        started = time.perf_counter()
        with torch.no_grad():
            partial = partial_fn(x, shard)
            _sync(device)
            computed = time.perf_counter()
            total = partial.clone()
            dist.all_reduce(total)  # the one conversation: sum the shares
            _sync(device)
        ended = time.perf_counter()
        out[kind] = {
            "output": total.cpu(),
            "held_parameters": sum(v.numel() for v in shard.values() if isinstance(v, torch.Tensor)),
            "compute_s": computed - started,
            "communicate_s": ended - computed,
            "bytes": total.numel() * total.element_size(),
        }
        report({"rank": rank, "done": kind})
    return out


def tensor_parallel(seed: int = 0, progress: ProgressFn | None = None, should_stop: StopFn | None = None) -> dict:
    """One feed-forward layer and one attention layer split across two workers; their outputs
    against the unsplit layers, and what each worker held and sent."""
    block, x = _tp_inputs(seed)
    with torch.no_grad():
        whole = {"mlp": block.mlp(x), "attention": block.attn(x)}
        full_params = {"mlp": sum(p.numel() for p in block.mlp.parameters()),
                       "attention": sum(p.numel() for p in block.attn.parameters())}
    workers = run_workers(_tensor_parallel_task, (seed,), progress=progress, should_stop=should_stop)
    result: dict = {"holdings": _holdings(block, WORLD_SIZE), "backend": backend_name(),
                    "input_shape": list(x.shape), "heads": block.attn.n_head}
    for kind in ("mlp", "attention"):
        split = workers[0][kind]["output"]
        result[kind] = {
            "max_difference": float((split - whole[kind]).abs().max()),
            "workers_agree": bool(torch.equal(workers[0][kind]["output"], workers[1][kind]["output"])),
            "full_parameters": full_params[kind],
            "held_parameters": [w[kind]["held_parameters"] for w in workers],
            "bytes": workers[0][kind]["bytes"],
            "compute_s": [w[kind]["compute_s"] for w in workers],
            "communicate_s": [w[kind]["communicate_s"] for w in workers],
        }
    return result


# --------------------------------------------------------------------------- pipeline parallel


def pipeline_config(vocab_size: int) -> GPTConfig:
    return tiny_config(vocab_size, n_layer=4, n_head=4, n_embd=96, block_size=64)


def _stage_forward(model: GPT, stage: int, stages: int, inputs: torch.Tensor) -> torch.Tensor:
    """One stage of the model: the first embeds and runs its blocks, the last runs its blocks
    and the head. ``inputs`` are token ids for the first stage, activations for the others."""
    per = len(model.blocks) // stages
    x = inputs
    if stage == 0:
        positions = torch.arange(inputs.shape[1], device=inputs.device)
        x = model.token_embedding(inputs) + model.position_embedding(positions)
    for layer in range(stage * per, (stage + 1) * per):
        x = model.blocks[layer](x)
    if stage == stages - 1:
        x = model.lm_head(model.ln_f(x))
    return x


def _pipeline_task(rank: int, world_size: int, lang: str, micro_batches: int, global_batch: int, seed: int,
                   report: ProgressFn) -> dict:
    ids, vocab = toy_text_ids(lang)
    device = _device()
    model = seeded_gpt(pipeline_config(vocab), seed).to(device)
    x, y = get_batch(ids, model.config.block_size, global_batch, torch.Generator().manual_seed(seed))
    chunks = list(zip(x.to(device).chunk(micro_batches), y.to(device).chunk(micro_batches), strict=True))
    width, tokens = model.config.n_embd, model.config.block_size
    first, last = rank == 0, rank == world_size - 1
    events: list[dict] = []  # perf_counter is the system-wide monotonic clock: comparable across processes
    kept: list[tuple[torch.Tensor | None, torch.Tensor]] = []  # (input that needs a gradient, output)
    losses: list[float] = []
    # One untimed pass first: a process's first forward and backward pay one-off set-up costs
    # that would otherwise look like a huge first micro-batch.
    warm = chunks[0][0] if first else torch.zeros(chunks[0][0].shape[0], tokens, width, device=device)
    for _ in range(2):
        warm_out = _stage_forward(model, rank, world_size, warm)
        if last:
            F.cross_entropy(warm_out.reshape(-1, warm_out.size(-1)), chunks[0][1].reshape(-1)).backward()
        else:
            warm_out.backward(torch.ones_like(warm_out))
    model.zero_grad(set_to_none=True)
    dist.barrier()
    for index, (inputs, targets) in enumerate(chunks):  # every forward ...
        if first:
            received = None
            start = time.perf_counter()
            out = _stage_forward(model, rank, world_size, inputs)
        else:
            received = torch.empty(inputs.shape[0], tokens, width, device=device)
            dist.recv(received, src=rank - 1)
            received.requires_grad_(True)
            start = time.perf_counter()
            out = _stage_forward(model, rank, world_size, received)
        if last:
            out = F.cross_entropy(out.reshape(-1, out.size(-1)), targets.reshape(-1)) / micro_batches
            losses.append(float(out.detach()) * micro_batches)
        _sync(device)
        events.append({"stage": rank, "micro": index, "phase": "forward", "start": start, "end": time.perf_counter()})
        if not last:
            dist.send(out.detach(), dst=rank + 1)
        kept.append((received, out))
    for index in reversed(range(micro_batches)):  # ... then every backward, last micro-batch first
        received, out = kept[index]
        if last:
            start = time.perf_counter()
            out.backward()
        else:
            grad = torch.empty_like(out)
            dist.recv(grad, src=rank + 1)
            start = time.perf_counter()
            out.backward(grad)
        _sync(device)
        events.append({"stage": rank, "micro": index, "phase": "backward", "start": start, "end": time.perf_counter()})
        if not first:
            dist.send(received.grad, dst=rank - 1)
    report({"rank": rank, "micro_batches": micro_batches})
    per = len(model.blocks) // world_size
    grads = {name: p.grad.detach().cpu().clone() for name, p in model.named_parameters()
             if p.grad is not None and name.startswith("blocks.")
             and rank * per <= int(name.split(".")[1]) < (rank + 1) * per}
    return {"events": events, "losses": losses, "grads": grads}


def sequential_reference(lang: str, global_batch: int, seed: int) -> tuple[float, dict[str, torch.Tensor]]:
    """The unsplit model on the whole batch in one process: its loss and its blocks' gradients."""
    ids, vocab = toy_text_ids(lang)
    model = seeded_gpt(pipeline_config(vocab), seed)
    x, y = get_batch(ids, model.config.block_size, global_batch, torch.Generator().manual_seed(seed))
    loss = model.loss(x, y)
    loss.backward()
    return float(loss.detach()), {n: p.grad.clone() for n, p in model.named_parameters() if n.startswith("blocks.")}


def bubble_formula(stages: int, micro_batches: int) -> float:
    """GPipe's idle share of each worker's time: (p - 1) / (m + p - 1)."""
    return (stages - 1) / (micro_batches + stages - 1)


def measured_bubble(events: list[dict], stages: int) -> float:
    """Idle share measured: 1 - (time spent working, all stages) / (stages × the whole span)."""
    start = min(e["start"] for e in events)
    span = max(e["end"] for e in events) - start
    busy = sum(e["end"] - e["start"] for e in events)
    return max(0.0, 1.0 - busy / (stages * span)) if span > 0 else 0.0


def scheduled_bubble(events: list[dict], stages: int) -> float:
    """The bubble GPipe's schedule leaves with the measured compute times but messages that
    cost nothing and workers that never wait for a core: replay every step as early as its
    inputs allow. The formula assumes, on top of that, that every step takes as long."""
    duration = {(e["stage"], e["phase"], e["micro"]): e["end"] - e["start"] for e in events}
    micro_batches = 1 + max(e["micro"] for e in events)
    end: dict[tuple[int, str, int], float] = {}
    for stage in range(stages):
        clock = 0.0
        for micro in range(micro_batches):  # forwards in order; each needs the previous stage's
            ready = end.get((stage - 1, "forward", micro), 0.0)
            clock = max(clock, ready) + duration[(stage, "forward", micro)]
            end[(stage, "forward", micro)] = clock
    for stage in reversed(range(stages)):
        clock = end[(stage, "forward", micro_batches - 1)]
        for micro in reversed(range(micro_batches)):  # backwards last first; each needs the next stage's
            ready = end.get((stage + 1, "backward", micro), 0.0)
            clock = max(clock, ready) + duration[(stage, "backward", micro)]
            end[(stage, "backward", micro)] = clock
    span = max(end.values())
    return max(0.0, 1.0 - sum(duration.values()) / (stages * span)) if span > 0 else 0.0


def pipeline_parallel(micro_batches: int = 4, lang: str = "en", global_batch: int = 16, seed: int = 0,
                      progress: ProgressFn | None = None, should_stop: StopFn | None = None) -> dict:
    """The tiny GPT's layers split between two workers, the batch in ``micro_batches``
    micro-batches (GPipe). Returns the measured ``events`` (stage, micro-batch, phase,
    start/end seconds from the first start), ``bubble`` measured, ``bubble_scheduled`` (the
    measured compute times replayed with free messages) and ``bubble_formula``,
    the loss and block gradients against one process (``loss_difference``,
    ``grad_difference``)."""
    if micro_batches not in MICRO_BATCH_CHOICES or global_batch % micro_batches:
        raise InputError("errors.setting.not_a_choice", value=str(micro_batches)[:20], name="micro-batches")
    reference_loss, reference_grads = sequential_reference(lang, global_batch, seed)
    workers = run_workers(_pipeline_task, (lang, micro_batches, global_batch, seed), progress=progress,
                          should_stop=should_stop)
    events = [e for w in workers for e in w["events"]]
    origin = min(e["start"] for e in events)
    events = [{**e, "start": e["start"] - origin, "end": e["end"] - origin} for e in events]
    grads = {**workers[0]["grads"], **workers[1]["grads"]}
    loss = sum(workers[-1]["losses"]) / micro_batches
    return {
        "events": sorted(events, key=lambda e: (e["stage"], e["start"])),
        "micro_batches": micro_batches,
        "stages": WORLD_SIZE,
        "bubble": measured_bubble(events, WORLD_SIZE),
        "bubble_formula": bubble_formula(WORLD_SIZE, micro_batches),
        "bubble_scheduled": scheduled_bubble(events, WORLD_SIZE),
        "span_s": max(e["end"] for e in events),
        "loss": loss,
        "loss_difference": abs(loss - reference_loss),
        "grad_difference": max(float((grads[n] - g).abs().max()) for n, g in reference_grads.items()),
        "backend": backend_name(),
        "global_batch": global_batch,
    }


def _failing_task(rank: int, world_size: int, failing_rank: int, report: ProgressFn) -> None:
    """For tests: one worker raises while the other waits in a collective that never completes."""
    if rank == failing_rank:
        raise RuntimeError("this worker fails on purpose")
    dist.barrier()


def _sleeping_task(rank: int, world_size: int, seconds: float, report: ProgressFn) -> None:
    """For tests: both workers say they are up, then sleep (their parent is killed meanwhile)."""
    dist.barrier()
    report({"ready": rank})
    time.sleep(seconds)
