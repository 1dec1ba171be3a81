# The PyTorch CPU baseline for `npm run bench:train`: the same three workloads, measured in the same
# run as the tfjs backends so the ratios compare like with like. Prints one JSON line per workload.
import json, os, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(1)
# Give the baseline every core (torch picks 1 thread on this 2-vCPU machine by default).
torch.set_num_threads(os.cpu_count() or 1)
torch.set_flush_denormal(True)
SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 8.0

def mlp_ae():
    enc = [nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 128), nn.ReLU(), nn.Linear(128, 32)]
    dec = [nn.Linear(32, 128), nn.ReLU(), nn.Linear(128, 512), nn.ReLU(), nn.Linear(512, 784), nn.Sigmoid()]
    return nn.Sequential(*enc, *dec), 256

def conv_ae():
    m = nn.Sequential(
        nn.Unflatten(1, (1, 28, 28)),
        nn.Conv2d(1, 32, 3, 2, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 2, 1), nn.ReLU(), nn.Flatten(),
        nn.Linear(7 * 7 * 64, 32), nn.Linear(32, 7 * 7 * 64), nn.ReLU(), nn.Unflatten(1, (64, 7, 7)),
        nn.ConvTranspose2d(64, 32, 3, 2, 1, output_padding=1), nn.ReLU(),
        nn.ConvTranspose2d(32, 1, 3, 2, 1, output_padding=1), nn.Sigmoid(), nn.Flatten())
    return m, 128

def simclr():
    def block(i, o, s): return [nn.Conv2d(i, o, 3, s, 1, bias=False), nn.BatchNorm2d(o), nn.ReLU()]
    enc = nn.Sequential(nn.Unflatten(1, (1, 28, 28)), *block(1, 32, 1), *block(32, 64, 2), *block(64, 128, 2),
                        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, 128), nn.ReLU(),
                        nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 64))
    return enc, 128

def nt_xent(z1, z2, tau=0.5):
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    n = z1.shape[0]
    logits = z @ z.t() / tau
    logits.fill_diagonal_(-1e9)
    target = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return F.cross_entropy(logits, target)

def measure(name, build):
    model, batch = build()
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    if name == 'simclr':
        v1, v2 = torch.rand(batch, 784), torch.rand(batch, 784)
        loss_fn = lambda: nt_xent(model(v1), model(v2))
        per_step = 2 * batch
    else:
        x = torch.rand(batch, 784)
        loss_fn = lambda: F.mse_loss(model(x), x)
        per_step = batch
    def step():
        opt.zero_grad(); loss = loss_fn(); loss.backward(); opt.step(); loss.item()
    for _ in range(2): step()
    steps, t0 = 0, time.perf_counter()
    while True:
        step(); steps += 1
        el = time.perf_counter() - t0
        if el >= SECONDS and steps >= 3: break
    print(json.dumps({"workload": name, "backend": f"pytorch {torch.__version__} cpu ({torch.get_num_threads()} threads)",
                      "samplesPerSecond": steps * per_step / el, "steps": steps}), flush=True)

for name, build in [("mlp-ae", mlp_ae), ("conv-ae", conv_ae), ("simclr", simclr)]:
    measure(name, build)
