import sys

sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))
