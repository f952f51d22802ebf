#!/usr/bin/env python3
"""Issue 17's side-by-side grid: the reference Flashback implementation and `flnb train` with
identical flags on Seq-MNIST (5 x 2 classes, MLP 784-100-100-10), one JSON line per run.

  reference side:  run_grid.py --reference DIR --out ref.jsonl [--python PY] [--threads 1]
  flnb side:       run_grid.py --flnb BINARY  --out flnb.jsonl

DIR is a checkout of the reference (csiro-robotics/Flashback-Learning) that you supply. It is
copied to a temporary directory, flnb's own files from bench/reference/patch/ are written into
the copy (a Seq-MNIST dataset registered as `seq-mnist`, the MNIST MLP, a timm stub) and
bench/reference/ref_main.py runs its utils/main.py there. The checkout itself is not modified.

Runs already in --out (same side, method, run, seed) are skipped, so a stopped grid resumes.
Several runners may share one --out: each claims a run (a file in OUT.claims/) before starting
it, so `--workers`-style parallelism is just starting the script more than once.
--only METHOD[,..], --runs original|flashback, --seeds 123,246 select part of the grid.
"""
import argparse
import datetime
import glob
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PROJECT = os.path.dirname(os.path.dirname(HERE))

# Each method's flags from its CIFAR-10 script in the reference's scripts/ folder
# (scripts/fl-<method>/fl-<method>-cifar10.sh), per run kind. Changed for this protocol:
# --dataset seq-mnist, --batch_size 32 (and --minibatch_size 32 where the script has one), all
# schedules off, the epochs below. The scripts' --model names lwf_mc / fl-lucir / fl-xder do not
# exist in the reference's models/ (it lists fl_lwf_mc, fl_lucir, fl_xder): the fl_ names are used.
METHODS = {
    'lwf_mc': {
        'model': 'fl_lwf_mc',
        'common': '--lr 0.3 --optim_mom 0 --optim_wd 0 --wd_reg 5e-5 --batch_size 32',
        'original': '',
        'flashback': '--alpha_p 0.01',
    },
    'icarl': {
        'model': 'fl_icarl',
        'common': '--lr 0.3 --optim_mom 0 --optim_wd 1e-5 --batch_size 32 --buffer_size 2000 --minibatch_size 32',
        'original': '',
        'flashback': '--alpha_p 0.01',
    },
    'lucir': {
        'model': 'fl_lucir',
        'common': '--lr 0.05 --optim_mom 0.9 --optim_wd 0 --batch_size 32 --minibatch_size 32 --buffer_size 2000 '
                  '--k_mr 2 --fitting_epochs 20 --mr_margin 0.5',
        'original': '--lr_finetune 0.01 --lamda_base 7 --lamda_mr 1',
        'flashback': '--alpha_p 0.01 --lr_finetune 0.02 --lamda_base 5 --lamda_mr 1.5',
    },
    'xder': {
        'model': 'fl_xder',
        'common': '--lr 0.03 --optim_mom 0 --optim_wd 0 --batch_size 32 --minibatch_size 32 --buffer_size 2000 '
                  '--alpha 0.6 --beta 0.9 --m 0.2 --gamma 0.85 --lambd 0.05 --eta 0.01 --simclr_batch_size 64',
        'original': '',
        'flashback': '--alpha_p 0.001',
    },
    'ewc_on': {
        'model': 'fl_ewc_on',
        'common': '--optim_mom 0 --optim_wd 0 --gamma 1 --batch_size 32',
        'original': '--lr 0.2 --e_lambda 10',
        'flashback': '--lr 0.03 --alpha_p 0.1 --e_lambda 15',
    },
}
EPOCHS = {
    'original': '--epoch_base 1 --epoch_cl 2 --epoch_fl 0',
    'flashback': '--epoch_base 1 --epoch_cl 1 --epoch_fl 1',
}
SEEDS = [123, 246, 369]
# Reference-only flags: no wandb, no progress bars. fl_icarl's random-init FWT evaluation calls
# its nearest-mean forward on an empty buffer and crashes (Buffer has no `examples`), so iCaRL
# runs with --ignore_other_metrics 1 (FWT is then not computed on the reference side).
REF_EXTRA = {'*': '--nowand 1 --non_verbose 1', 'icarl': '--ignore_other_metrics 1'}


def flags(method, run, seed):
    m = METHODS[method]
    s = (f"--run {run} --model {m['model']} --dataset seq-mnist --seed {seed} {m['common']} {m[run]} "
         f"--sch0 0 --sch 0 --schf 0 {EPOCHS[run]}")
    return s.split()


def cpu_model():
    try:
        out = subprocess.run(['lscpu'], capture_output=True, text=True).stdout
        d = dict(l.split(':', 1) for l in out.splitlines() if ':' in l)
        return f"{d.get('Model name', '?').strip()} ({d.get('CPU(s)', '?').strip()} CPUs)"
    except OSError:
        return platform.processor()


def loadavg():
    with open('/proc/loadavg') as f:
        return [float(x) for x in f.read().split()[:3]]


def git_commit(path):
    try:
        return subprocess.run(['git', '-C', path, 'rev-parse', 'HEAD'], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def done_keys(out):
    keys = set()
    if os.path.exists(out):
        for line in open(out):
            if line.strip():
                r = json.loads(line)
                if r.get('ok'):
                    keys.add((r['method'], r['run'], r['seed']))
    return keys


def claim(out, key):
    d = out + '.claims'
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, '%s-%s-%s' % key)
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        return path
    except FileExistsError:
        return None


def prepare_reference(ref_dir):
    tmp = tempfile.mkdtemp(prefix='flnb-ref-')
    copy = os.path.join(tmp, 'reference')
    shutil.copytree(ref_dir, copy, ignore=shutil.ignore_patterns('.git'))
    for src in glob.glob(os.path.join(HERE, 'patch', '**', '*.py'), recursive=True):
        dst = os.path.join(copy, os.path.relpath(src, os.path.join(HERE, 'patch')))
        if os.path.exists(dst):
            sys.exit(f'patch file {dst} would overwrite a reference file')
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy(src, dst)
    return tmp, copy


def run_reference(a, copy, method, run, seed, log):
    fl = flags(method, run, seed) + REF_EXTRA['*'].split() + REF_EXTRA.get(method, '').split()
    res_json = os.path.join(copy, f'result-{method}-{run}-{seed}.json')
    cmd = [a.python, os.path.join(HERE, 'ref_main.py'), '--out', res_json, '--threads', str(a.threads), '--'] + fl
    env = dict(os.environ, FLNB_REF_MNIST=a.mnist, OMP_NUM_THREADS=str(a.threads))
    t0 = time.time()
    p = subprocess.run(cmd, cwd=copy, env=env, stdout=log, stderr=subprocess.STDOUT)
    wall = time.time() - t0
    rec = {'ok': p.returncode == 0 and os.path.exists(res_json), 'returncode': p.returncode,
           'cmd': 'python utils/main.py ' + ' '.join(fl), 'wall_s': round(wall, 2), 'threads': a.threads}
    if rec['ok']:
        rec.update(json.load(open(res_json)))
    return rec


def run_flnb(a, method, run, seed, log):
    fl = flags(method, run, seed)
    res = tempfile.mkdtemp(prefix='flnb-res-')
    cmd = [a.flnb, 'train'] + fl + ['--data_root', os.path.dirname(a.mnist), '--results', res]
    env = dict(os.environ, FLNB_THREADS=str(a.flnb_threads))
    t0 = time.time()
    p = subprocess.run(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    wall = time.time() - t0
    files = glob.glob(os.path.join(res, '*', '*.json'))
    rec = {'ok': p.returncode == 0 and len(files) == 1, 'returncode': p.returncode,
           'cmd': 'flnb train ' + ' '.join(fl), 'wall_s': round(wall, 2), 'threads': a.flnb_threads}
    if rec['ok']:
        d = json.load(open(files[0]))
        cil, til = d['class_il'], d['task_il']
        rec.update({
            'class_il_matrix': [[v for v in row if v is not None] for row in cil['accuracy']],
            'task_il_matrix': [[v for v in row if v is not None] for row in til['accuracy']],
            'class_il': cil['summary']['final_avg_acc'], 'task_il': til['summary']['final_avg_acc'],
            'class_il_summary': cil['summary'], 'task_il_summary': til['summary'],
            'in_process_s': round(sum(t.get('seconds', 0) for t in d.get('timing', [])), 3),
        })
    shutil.rmtree(res, ignore_errors=True)
    return rec


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    side = ap.add_mutually_exclusive_group(required=True)
    side.add_argument('--reference', metavar='DIR', help='a checkout of the reference implementation')
    side.add_argument('--flnb', metavar='BINARY', help='a release flnb binary')
    ap.add_argument('--out', required=True, help='JSON-lines file to append to')
    ap.add_argument('--log', help='run output log (default: OUT.log)')
    ap.add_argument('--mnist', default=os.path.join(PROJECT, 'data', 'mnist'),
                    help='folder with the four MNIST IDX files (default: data/mnist)')
    ap.add_argument('--python', default=sys.executable, help='Python with torch, numpy, pillow, six, setproctitle, torchvision')
    ap.add_argument('--threads', type=int, default=1, help='torch threads of the reference (default 1)')
    ap.add_argument('--flnb-threads', type=int, default=2, help='FLNB_THREADS (default 2)')
    ap.add_argument('--only', help='methods, comma-separated')
    ap.add_argument('--runs', default='original,flashback')
    ap.add_argument('--seeds', default=','.join(map(str, SEEDS)))
    ap.add_argument('--order', default='method', choices=['method', 'seed'],
                    help='seed: every method at seed 123 first, then 246, 369')
    ap.add_argument('--force', action='store_true', help='run even if present in --out')
    a = ap.parse_args()
    a.mnist = os.path.abspath(a.mnist)

    methods = a.only.split(',') if a.only else list(METHODS)
    runs = a.runs.split(',')
    seeds = [int(s) for s in a.seeds.split(',')]
    if a.order == 'seed':
        grid = [(m, r, s) for s in seeds for m in methods for r in runs]
    else:
        grid = [(m, r, s) for m in methods for r in runs for s in seeds]
    done = set() if a.force else done_keys(a.out)

    if a.reference:
        tmp, copy = prepare_reference(os.path.abspath(a.reference))
        side_name, commit = 'reference', git_commit(a.reference)
        version = subprocess.run([a.python, '-c', 'import torch; print("torch", torch.__version__)'],
                                 capture_output=True, text=True).stdout.strip()
    else:
        tmp = None
        side_name, commit = 'flnb', None
        version = subprocess.run([a.flnb, '--version'], capture_output=True, text=True).stdout.strip()
    cpu = cpu_model()
    log = open(a.log or a.out + '.log', 'a')
    try:
        for method, run, seed in grid:
            key = (method, run, seed)
            if key in done or (not a.force and key in done_keys(a.out)):
                continue
            claimed = None if a.force else claim(a.out, key)
            if not a.force and claimed is None:
                continue
            print(f'[{datetime.datetime.utcnow():%H:%M:%S}] {side_name} {method} {run} seed {seed}', flush=True)
            log.write(f'\n===== {side_name} {method} {run} seed {seed} =====\n')
            log.flush()
            load0 = loadavg()
            started = datetime.datetime.utcnow().isoformat(timespec='seconds') + 'Z'
            if a.reference:
                rec = run_reference(a, copy, method, run, seed, log)
            else:
                rec = run_flnb(a, method, run, seed, log)
            rec = {'side': side_name, 'method': method, 'run': run, 'seed': seed, **rec,
                   'started': started, 'loadavg_start': load0, 'loadavg_end': loadavg(),
                   'host_cpu': cpu, 'version': version, 'commit': commit}
            with open(a.out, 'a') as f:
                f.write(json.dumps(rec) + '\n')
            if claimed and not rec['ok']:
                os.remove(claimed)
            print(f"    ok={rec['ok']} class-IL {rec.get('class_il', float('nan')):.2f} "
                  f"task-IL {rec.get('task_il', float('nan')):.2f} wall {rec['wall_s']:.1f} s", flush=True)
    finally:
        log.close()
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
