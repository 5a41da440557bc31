/**
 * What help needs beyond the command definitions: real examples for each command, what each flag's value is
 * called, and the values completion offers for flags that take camera positions or recall types.
 *
 * @since 0.1.0
 */
import { cameraPositionInfo, CameraPositions } from "@effect-motive/domain"
import type { Extras } from "./Spec.js"

const positions = [...CameraPositions]
const capturePositions = CameraPositions.filter((p) => cameraPositionInfo[p].imageCapture)

/**
 * Examples, value names and completion values, keyed by command path (`"motive recall create"`) or by flag
 * (`"--start"`; `"motive batch report --out"` for one command's flag).
 *
 * @since 0.1.0
 */
export const guide: Extras = {
  jsonLines: ["motive webhook listen"],
  examples: {
    "motive": [
      "motive demo",
      "motive recall create --vehicle-number TRK-101 --start -30m --duration 2m --download ./footage",
      "motive image capture --vehicle-number TRK-101 --position front_facing --out front.jpg",
      "motive batch run incidents.csv --dir ./footage"
    ],
    "motive image": [
      "motive image capture --vehicle-number TRK-101 --position driver_facing --out cab.jpg",
      "motive image get 42 --out cab.jpg"
    ],
    "motive image capture": [
      "motive image capture --vehicle-number TRK-101 --position front_facing --out front.jpg",
      "motive image capture --asset-name TRAILER-7 --position rear --dry-run",
      "motive image capture --vehicle-id 101 --position driver_facing --wait --json"
    ],
    "motive image get": ["motive image get 42", "motive image get 42 --wait --out cab.jpg"],
    "motive image list": ["motive image list", "motive image list --refresh --json"],
    "motive recall": [
      "motive recall create --vehicle-number TRK-101 --start -30m --duration 2m --wait",
      "motive recall wait 17 --download ./footage",
      "motive recall quota"
    ],
    "motive recall create": [
      "motive recall create --vehicle-number TRK-101 --start -30m --duration 2m --download ./footage",
      "motive recall create --asset-name TRAILER-7 --start 2026-12-01T14:00:00-08:00 --duration 10m --type timelapse",
      "motive recall create --vehicle-number TRK-101 --start -1h --duration 1m --cameras front_facing,driver_facing --dry-run"
    ],
    "motive recall get": ["motive recall get 17", "motive recall get 17 --json"],
    "motive recall wait": ["motive recall wait 17", "motive recall wait 17 --download ./footage --timeout 30m"],
    "motive recall download": [
      "motive recall download 17 --dir ./footage",
      "motive recall download 17 --dir ./footage --cameras front_facing"
    ],
    "motive recall quota": ["motive recall quota", "motive recall quota --json"],
    "motive recall timelines": [
      "motive recall timelines --vehicle-number TRK-101 --from -2h --to now",
      "motive recall timelines --asset-name TRAILER-7 --from 2026-12-01T08:00:00Z --to 2026-12-01T18:00:00Z"
    ],
    "motive recall list": ["motive recall list", "motive recall list --refresh"],
    "motive vehicles": ["motive vehicles", "motive vehicles --json"],
    "motive assets": ["motive assets", "motive assets --json"],
    "motive batch": [
      "motive batch run incidents.csv --dir ./footage",
      "motive batch status",
      "motive batch report --out ./footage/manifest",
      "motive batch cancel 3f2a9c"
    ],
    "motive batch run": [
      "motive batch run incidents.csv --dir ./footage",
      "motive batch run events.jsonl --dir ./footage --webhook-port 8787 --webhook-secret S",
      "motive batch run incidents.csv --dir ./footage --partial --concurrency 4",
      "motive batch run incidents.csv --database $DB --detach"
    ],
    "motive batch status": ["motive batch status", "motive batch status --json", "motive batch status --database $DB"],
    "motive worker": [
      "motive worker --database $DB --listen 10.0.0.5:34431 --dir /mnt/footage",
      "motive worker --listen 10.0.0.6:34431 --dir /mnt/footage --shard-lock-expiration 15s"
    ],
    "motive jobs": ["motive jobs serve --database $DB --webhook-port 8787 --webhook-host 0.0.0.0"],
    "motive jobs serve": [
      "motive jobs serve --database $DB --webhook-port 8787 --webhook-host 0.0.0.0",
      "motive jobs serve --webhook-port 8787 --webhook-secret S"
    ],
    "motive batch report": ["motive batch report", "motive batch report --out ./footage/manifest"],
    "motive batch cancel": ["motive batch cancel 3f2a9c", "motive batch cancel 3f2a9c --journal ./jobs.db --json"],
    "motive webhook": [
      "motive webhook listen --port 8787 --secret S",
      "motive webhook verify --secret S --signature 5d1f… --file body.json"
    ],
    "motive webhook verify": [
      "motive webhook verify --secret S --signature 5d1f… --file body.json",
      "cat body.json | motive webhook verify --signature 5d1f…"
    ],
    "motive webhook listen": ["motive webhook listen --port 8787 --secret S"],
    "motive sandbox": [
      "motive sandbox --port 4010",
      "motive sandbox --rate 5 --faults createVideoRecall=503*2",
      "motive sandbox --webhook-url http://127.0.0.1:8787/ --webhook-secret S"
    ],
    "motive demo": ["motive demo", "motive demo --dir ./demo-footage", "motive demo --vehicle-number TRK-101"]
  },
  values: {
    "--api-key": "KEY",
    "--oauth-token": "TOKEN",
    "--base-url": "URL",
    "--time-zone": "ZONE",
    "--vehicle-number": "NUMBER",
    "--vehicle-id": "ID",
    "--asset-name": "NAME",
    "--asset-id": "ID",
    "--position": "POSITION",
    "--cameras": "POSITION,…",
    "--start": "TIME",
    "--from": "TIME",
    "--to": "TIME",
    "--duration": "DURATION",
    "--timeout": "DURATION",
    "--poll-after": "DURATION",
    "--type": "TYPE",
    "--out": "FILE",
    "motive batch report --out": "PREFIX",
    "--download": "DIR",
    "--dir": "DIR",
    "--journal": "FILE",
    "--file": "FILE",
    "--concurrency": "N",
    "--download-concurrency": "N",
    "--port": "PORT",
    "--webhook-port": "PORT",
    "--webhook-host": "HOST",
    "--webhook-secret": "SECRET",
    "--secret": "SECRET",
    "--signature": "HEX",
    "--max-body": "BYTES",
    "--video-bytes": "BYTES",
    "--rate": "N",
    "--quota-minutes": "N",
    "--faults": "SPEC",
    "--webhook-url": "URL",
    "--database": "URL",
    "--listen": "HOST:PORT",
    "--shard-lock-expiration": "DURATION"
  },
  suggestions: {
    "--position": capturePositions,
    "--cameras": positions,
    "--type": ["regular", "timelapse"]
  }
}
