"""Command-line options every pipeline script shares, defined once."""
import torch


def add_threads(p, default=2):
    p.add_argument('--threads', type=int, default=default, help='torch CPU threads (torch defaults to 1 here)')


def add_seed(p, default):
    p.add_argument('--seed', type=int, default=default)


def add_budget(p, minutes):
    """--max-minutes bounds one invocation (runs are resumable); --max-steps for equal-step comparisons."""
    p.add_argument('--max-minutes', type=float, default=minutes, help='bound for this invocation')
    p.add_argument('--max-steps', type=int, default=0, help='stop after this many steps of this invocation (0 = no bound)')


def use_threads(a):
    torch.set_num_threads(a.threads)
