"""The audit hash chain, in the standard library only, so an export can be verified without Hetong.

    python -m hetong.audit.chain audit.jsonl

Each event's hash is SHA-256 over the previous event's hash and the canonical JSON of the event's own
fields. Altering, deleting, inserting or reordering any event breaks the chain at that event.
"""

import hashlib
import json
import sys

GENESIS = "0" * 64
FIELDS = ("seq", "at", "actor_id", "actor", "verb", "target_type", "target_id", "target", "data")


def canonical(event: dict) -> bytes:
    body = {name: event.get(name) for name in FIELDS}
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def event_hash(prev_hash: str, event: dict) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(event)).hexdigest()


def verify(events) -> tuple[bool, int, str | None]:
    """Walk events in seq order. Returns (ok, number checked, problem naming the first bad event)."""
    prev_hash, expected_seq, checked = GENESIS, 1, 0
    for event in events:
        seq = event.get("seq")
        if seq != expected_seq:
            return False, checked, f"event seq={seq}: expected seq={expected_seq} (an event was deleted, inserted or reordered)"
        if event.get("prev_hash") != prev_hash:
            return False, checked, f"event seq={seq}: prev_hash does not match the hash of event seq={seq - 1}"
        if event_hash(prev_hash, event) != event.get("hash"):
            return False, checked, f"event seq={seq}: content does not match its hash (the event was altered)"
        prev_hash, expected_seq, checked = event["hash"], expected_seq + 1, checked + 1
    return True, checked, None


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m hetong.audit.chain EXPORT.jsonl", file=sys.stderr)
        return 2
    with open(argv[0], encoding="utf-8") as fh:
        ok, checked, problem = verify(json.loads(line) for line in fh if line.strip())
    if ok:
        print(f"audit chain OK: {checked} events")
        return 0
    print(f"audit chain BROKEN at {problem}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
