# The PyTorch CPU baseline of `npm run bench:train`: the workloads of train-workloads.ts (their
# architectures arrive as JSON in argv[2]), measured in the same run as the tfjs backends so the
# ratios compare like with like. Prints one JSON line describing the runtime (threads, which BLAS
# the process really loaded), then one JSON line per workload.
import json, os, sys, time
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(1)
# Give the baseline every core (torch picks 1 thread on this 2-vCPU machine by default).
torch.set_num_threads(os.cpu_count() or 1)
torch.set_flush_denormal(True)
SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 8.0
SPECS = json.loads(sys.argv[2])


def loaded_blas():
    """The BLAS shared object this process mapped (Debian switches libblas.so.3 by alternatives)."""
    (torch.rand(64, 64) @ torch.rand(64, 64)).sum().item()
    with open('/proc/self/maps') as maps:
        paths = {line.split()[-1] for line in maps if 'blas' in line.lower() and '/' in line}
    for path in sorted(paths):
        if 'openblas' in path:
            return 'openblas', path
    for path in sorted(paths):
        if 'libblas' in path:
            return 'reference', path
    return 'unknown', ', '.join(sorted(paths)) or 'none mapped'


def mlp_ae(s):
    dims = [784, *s['hidden'], s['bottleneck']]
    layers = []
    for i in range(len(dims) - 1):
        layers += [nn.Linear(dims[i], dims[i + 1])] + ([nn.ReLU()] if i < len(dims) - 2 else [])
    back = list(reversed(dims))
    for i in range(len(back) - 1):
        layers += [nn.Linear(back[i], back[i + 1]), nn.ReLU() if i < len(back) - 2 else nn.Sigmoid()]
    return nn.Sequential(*layers)


def conv_ae(s):
    f1, f2 = s['filters'][:2]
    return nn.Sequential(
        nn.Unflatten(1, (1, 28, 28)),
        nn.Conv2d(1, f1, 3, 2, 1), nn.ReLU(), nn.Conv2d(f1, f2, 3, 2, 1), nn.ReLU(), nn.Flatten(),
        nn.Linear(7 * 7 * f2, s['bottleneck']), nn.Linear(s['bottleneck'], 7 * 7 * f2), nn.ReLU(),
        nn.Unflatten(1, (f2, 7, 7)),
        nn.ConvTranspose2d(f2, f1, 3, 2, 1, output_padding=1), nn.ReLU(),
        nn.ConvTranspose2d(f1, 1, 3, 2, 1, output_padding=1), nn.Sigmoid(), nn.Flatten())


def simclr(s):
    def block(i, o, stride):
        return [nn.Conv2d(i, o, 3, stride, 1, bias=False), nn.BatchNorm2d(o, eps=1e-3, momentum=0.1), nn.ReLU()]
    f = s['filters']
    layers = [nn.Unflatten(1, (1, 28, 28))]
    for i, o in enumerate(f):
        layers += block(1 if i == 0 else f[i - 1], o, 1 if i == 0 else 2)
    side = 28 // 2 ** (len(f) - 1)
    layers += [nn.Flatten(), nn.Linear(side * side * f[-1], s['width']), nn.ReLU(),
               nn.Linear(s['width'], s['hidden']), nn.ReLU(), nn.Linear(s['hidden'], s['out'])]
    return nn.Sequential(*layers)


def nt_xent(z, n, tau):
    z = F.normalize(z, dim=1)
    logits = z @ z.t() / tau
    logits.fill_diagonal_(-1e9)
    target = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return F.cross_entropy(logits, target)


def measure(name, s):
    model = {'mlp-ae': mlp_ae, 'conv-ae': conv_ae, 'simclr': simclr}[s['kind']](s)
    opt = torch.optim.Adam(model.parameters(), 1e-3)
    n = s['batch']
    if s['kind'] == 'simclr':
        views = torch.rand(2 * n, 784)  # both views in one batch, as the tfjs workload
        loss_fn = lambda: nt_xent(model(views), n, s['tau'])
        per_step = 2 * n
    else:
        x = torch.rand(n, 784)
        loss_fn = lambda: F.mse_loss(model(x), x)
        per_step = n

    def step():
        opt.zero_grad(); loss = loss_fn(); loss.backward(); opt.step(); loss.item()

    for _ in range(2):
        step()
    steps, t0 = 0, time.perf_counter()
    while True:
        step(); steps += 1
        el = time.perf_counter() - t0
        if el >= SECONDS and steps >= 3:
            break
    print(json.dumps({"workload": name, "backend": f"pytorch {torch.__version__} cpu ({torch.get_num_threads()} threads)",
                      "samplesPerSecond": steps * per_step / el, "steps": steps}), flush=True)


blas, path = loaded_blas()
print(json.dumps({"runtime": True, "torch": torch.__version__, "threads": torch.get_num_threads(),
                  "blas": blas, "blasPath": path, "mkldnn": torch.backends.mkldnn.is_available()}), flush=True)
for name, spec in SPECS.items():
    measure(name, spec)
