# The sample config with an ensemble of two crop verifiers: each CNN from its
# own initialisation and trained on its own loss, their logits averaged.
# Twice the verifier's training time.
_base_ = '../face_rfcn_r18_wider-sample.py'

model = dict(verifier=dict(num_members=2))
