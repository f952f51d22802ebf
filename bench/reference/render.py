#!/usr/bin/env python3
"""Render the side-by-side table from the JSON lines of run_grid.py.

  render.py --ref ref.jsonl --flnb flnb.jsonl [--paired-ref P1 --paired-flnb P2] \
            --flnb-commit C --out-dir results/reference

Writes table.md and table.csv: per cell (method, run kind, seed) flnb ("ours"), reference and
gap = ours − reference for class-IL and task-IL final average accuracy (mean over the 5 tasks
after the last one, %); per row the mean gap ± sample std over the seeds; wall times of both
sides (whole process, seconds). The last successful line per cell is used.
"""
import argparse
import csv
import json
import os
import statistics

METHODS = ['lwf_mc', 'icarl', 'lucir', 'xder', 'ewc_on']
RUNS = ['original', 'flashback']
SEEDS = [123, 246, 369]


def load(path):
    cells = {}
    if path and os.path.exists(path):
        for line in open(path):
            if line.strip():
                r = json.loads(line)
                if r.get('ok'):
                    cells[(r['method'], r['run'], r['seed'])] = r
    return cells


def fmt(x, nd=2):
    return '–' if x is None else f'{x:.{nd}f}'


def mean_std(xs):
    xs = [x for x in xs if x is not None]
    if not xs:
        return None, None, 0
    return statistics.mean(xs), (statistics.stdev(xs) if len(xs) > 1 else None), len(xs)


def pm(m, s, n):
    if m is None:
        return '–'
    return f'{m:+.2f} ± {s:.2f} (n={n})' if s is not None else f'{m:+.2f} (n={n})'


def spread(m, s, n):
    if m is None:
        return '–'
    return f'{m:.2f} ± {s:.2f}' if s is not None else f'{m:.2f}'


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--ref', required=True)
    ap.add_argument('--flnb', required=True)
    ap.add_argument('--paired-ref')
    ap.add_argument('--paired-flnb')
    ap.add_argument('--flnb-commit', default='?')
    ap.add_argument('--flnb-binary', default='')
    ap.add_argument('--more-ref', help='runs of the same grid at further seeds (reference side)')
    ap.add_argument('--more-flnb', help='runs of the same grid at further seeds (flnb side)')
    ap.add_argument('--out-dir', required=True)
    a = ap.parse_args()
    ref, ours = load(a.ref), load(a.flnb)
    os.makedirs(a.out_dir, exist_ok=True)

    anyref = next(iter(ref.values()), {})
    anyours = next(iter(ours.values()), {})
    loads = [l for r in list(ref.values()) + list(ours.values()) for l in (r['loadavg_start'][0], r['loadavg_end'][0])]

    rows = []
    md = ['# Reference FL implementation beside `flnb train` (issue 17)', '',
          f"- reference: commit `{anyref.get('commit') or '?'}`, {anyref.get('version', '?')}, "
          f"torch threads {anyref.get('threads', '?')}",
          f"- flnb: commit `{a.flnb_commit}` {a.flnb_binary}, FLNB_THREADS={anyours.get('threads', '?')}",
          f"- host: {anyref.get('host_cpu') or anyours.get('host_cpu', '?')}; 1-min load average during the runs "
          f"{min(loads):.1f}–{max(loads):.1f} (shared with other engineers' builds)" if loads else '- host: ?',
          f'- cells: {len(ours)} flnb, {len(ref)} reference runs of 30', '',
          'Final average accuracy (%) over the 5 tasks after the last task; gap = flnb − reference. '
          'The two sides draw their randomness from different generators, so a seed\'s gap is the '
          'difference of two independent runs: compare the mean gap with the seed spread of each side '
          '(sample std over the seeds present; n = seeds with both sides).', '']
    for metric, label in (('class_il', 'Class-IL'), ('task_il', 'Task-IL')):
        md += [f'## {label}', '',
               '| method | run | ' + ' | '.join(f'seed {s}: flnb / ref / gap' for s in SEEDS) + ' | mean gap ± std | flnb mean ± std | ref mean ± std |',
               '|---|---|' + '---|' * (len(SEEDS) + 3)]
        for m in METHODS:
            for r in RUNS:
                cells, gaps, ov_all, fv_all = [], [], [], []
                for s in SEEDS:
                    o, f = ours.get((m, r, s)), ref.get((m, r, s))
                    ov, fv = (o or {}).get(metric), (f or {}).get(metric)
                    g = ov - fv if ov is not None and fv is not None else None
                    gaps.append(g)
                    ov_all.append(ov)
                    fv_all.append(fv)
                    cells.append(f'{fmt(ov)} / {fmt(fv)} / {fmt(g) if g is None else f"{g:+.2f}"}')
                md.append(f'| {m} | {r} | ' + ' | '.join(cells) + f' | {pm(*mean_std(gaps))} | '
                          f'{spread(*mean_std(ov_all))} | {spread(*mean_std(fv_all))} |')
        md.append('')

    md += ['## Wall time (s, whole process)', '',
           'Grid runs, as recorded: the two grids may come from different sittings, under different '
           'loads (each line records its load average), so their wall times are not compared here; '
           'the paired re-timing below is the comparison.', '',
           '| method | run | flnb mean | reference mean | ' + ' | '.join(f'seed {s} flnb / ref' for s in SEEDS) + ' |',
           '|---|---|---|---|' + '---|' * len(SEEDS)]
    for m in METHODS:
        for r in RUNS:
            ow = [ours[(m, r, s)]['wall_s'] for s in SEEDS if (m, r, s) in ours]
            fw = [ref[(m, r, s)]['wall_s'] for s in SEEDS if (m, r, s) in ref]
            om, fm = (statistics.mean(ow) if ow else None), (statistics.mean(fw) if fw else None)
            per = [f"{fmt(ours.get((m, r, s), {}).get('wall_s'), 1)} / {fmt(ref.get((m, r, s), {}).get('wall_s'), 1)}" for s in SEEDS]
            md.append(f'| {m} | {r} | {fmt(om, 1)} | {fmt(fm, 1)} | ' + ' | '.join(per) + ' |')
    md.append('')

    mref, mours = load(a.more_ref), load(a.more_flnb)
    if mref and mours:
        # Each side's runs are independent draws, so compare the two means over every seed either
        # side has: gap of means ± its standard error sqrt(s1²/n1 + s2²/n2).
        allref, allours = {**ref, **mref}, {**ours, **mours}
        extra = sorted({k[2] for k in list(mref) + list(mours)} - set(SEEDS))
        md += [f'## More seeds ({", ".join(map(str, extra))})', '',
               'The per-seed gaps above are differences of two independent runs, so their spread is the two sides\' '
               'spreads added. For the rows run at further seeds on both sides, each side is averaged over every '
               'seed both sides have, and the gap of the means is given with its standard error, '
               '√(s²_flnb/n + s²_ref/n).', '']
        for metric, label in (('class_il', 'Class-IL'), ('task_il', 'Task-IL')):
            md += [f'### {label}', '', '| method | run | seeds (n) | flnb mean ± std | ref mean ± std | gap of means ± s.e. |', '|---|---|---|---|---|---|']
            for m in METHODS:
                for r in RUNS:
                    both = sorted({k[2] for k in allours if k[:2] == (m, r)} & {k[2] for k in allref if k[:2] == (m, r)})
                    if not set(both) - set(SEEDS):
                        continue  # no further seed on both sides: the row above is all there is
                    ov = [allours[(m, r, x)][metric] for x in both]
                    fv = [allref[(m, r, x)][metric] for x in both]
                    om, osd, on = mean_std(ov)
                    fm, fsd, fn_ = mean_std(fv)
                    se = (osd ** 2 / on + fsd ** 2 / fn_) ** 0.5
                    md.append(f'| {m} | {r} | {on} | {om:.2f} ± {osd:.2f} | {fm:.2f} ± {fsd:.2f} | {om - fm:+.2f} ± {se:.2f} |')
            md.append('')

    pref, pours = load(a.paired_ref), load(a.paired_flnb)
    if pref and pours:
        md += ['## Paired re-timing (seed 123, original; each reference run immediately followed by the flnb run)', '',
               '| method | reference s | flnb s | ref / flnb | load avg (ref start, flnb start) | class-IL ref / flnb |',
               '|---|---|---|---|---|---|']
        for m in METHODS:
            f, o = pref.get((m, 'original', 123)), pours.get((m, 'original', 123))
            if f and o:
                md.append(f"| {m} | {f['wall_s']:.1f} | {o['wall_s']:.1f} | {f['wall_s'] / o['wall_s']:.1f}× | "
                          f"{f['loadavg_start'][0]:.1f}, {o['loadavg_start'][0]:.1f} | {f['class_il']:.2f} / {o['class_il']:.2f} |")
        md.append('')

    with open(os.path.join(a.out_dir, 'table.md'), 'w') as fh:
        fh.write('\n'.join(md) + '\n')

    with open(os.path.join(a.out_dir, 'table.csv'), 'w', newline='') as fh:
        w = csv.writer(fh)
        w.writerow(['method', 'run', 'seed', 'class_il_flnb', 'class_il_ref', 'class_il_gap',
                    'task_il_flnb', 'task_il_ref', 'task_il_gap', 'wall_s_flnb', 'wall_s_ref'])
        for m in METHODS:
            for r in RUNS:
                gc, gt = [], []
                for s in SEEDS:
                    o, f = ours.get((m, r, s), {}), ref.get((m, r, s), {})
                    c = (o.get('class_il'), f.get('class_il'))
                    t = (o.get('task_il'), f.get('task_il'))
                    cg = c[0] - c[1] if None not in c else None
                    tg = t[0] - t[1] if None not in t else None
                    gc.append(cg)
                    gt.append(tg)
                    w.writerow([m, r, s, *[fmt(x, 4) if x is not None else '' for x in (c[0], c[1], cg, t[0], t[1], tg)],
                                o.get('wall_s', ''), f.get('wall_s', '')])
                for name, fn in (('mean', lambda v: mean_std(v)[0]), ('std', lambda v: mean_std(v)[1])):
                    vc, vt = fn(gc), fn(gt)
                    w.writerow([m, r, name, '', '', fmt(vc, 4) if vc is not None else '', '', '',
                                fmt(vt, 4) if vt is not None else '', '', ''])


if __name__ == '__main__':
    main()
