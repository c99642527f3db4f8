#!/usr/bin/env bash
# The main job on the embedded default: set up the environment, generate the
# sample data in the official WIDER FACE layout, convert it with the real
# converter, train the small CPU config, report Easy/Medium/Hard AP with the
# official-protocol metric, and draw detections on a real photo.
#
#   bash tools/run_main_job.sh [extra tools/train.py arguments]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash tools/setup_env.sh
PY=.venv/bin/python
CONFIG=configs/face_rfcn_r18_wider-sample.py
DATA=data/wider_sample
WORK=work_dirs/face_rfcn_r18_wider-sample

PY=$PY bash tools/prepare_sample.sh "$DATA"

start=$SECONDS
$PY tools/train.py "$CONFIG" --work-dir "$WORK" "$@"
echo "training took $((SECONDS - start)) s"
ckpt=$(cat "$WORK/last_checkpoint")
$PY tools/test.py "$CONFIG" "$ckpt" --work-dir "$WORK/test"
# Whether the RoI classifier tells the faces from the sample's pasted
# non-faces (ROC AUC of its face score at their boxes; 0.5 is chance).
$PY tools/analysis_tools/distractor_scores.py "$CONFIG" "$ckpt" \
  --data-root "$DATA" --json "$WORK/test/distractor_scores.json"
# Detections, at infer.py's default score threshold, on three real portraits
# and three real pictures without a face that ship with matplotlib and
# scikit-image, and on the sample's val pictures of one event (real LFW
# faces on a real photo).
portraits="$WORK/portraits"
$PY -m mmfacerfcn.testing.portraits "$portraits" >/dev/null
$PY tools/infer.py "$portraits" "$DATA/WIDER_val/images/0--Coffee" \
  --config "$CONFIG" --checkpoint "$ckpt" --out-dir "$WORK/infer"
# Each portrait's face against a box drawn by hand (IoU >= 0.5 finds it),
# and the boxes drawn besides.
$PY -m mmfacerfcn.testing.portraits --check "$WORK/infer"

cat <<MSG

Done. Where things are:
  sample data (WIDER layout)   $DATA/
  COCO annotations             $DATA/annotations/wider_face_{train,val}.json
  checkpoint                   $ckpt
  training log                 $WORK/<timestamp>/
  evaluation (AP)              $WORK/test/<timestamp>/
  precision-recall curves      $WORK/pr_curves.png
  TensorBoard events           $WORK/<timestamp>/vis_data/ (tensorboard --logdir $WORK)
  detections (picture + JSON)  $WORK/infer/ (grace_hopper.jpg, astronaut.png,
                               camera.png: real portraits; text.png,
                               retina.png, ihc.png: real pictures without a
                               face; 0_Coffee_val_*.jpg: sample val pictures)
MSG
