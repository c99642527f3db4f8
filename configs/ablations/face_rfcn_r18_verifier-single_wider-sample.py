# The sample config with one crop verifier instead of the ensemble of three
# (the default before stop 42): a third of the verifier's training time.
_base_ = '../face_rfcn_r18_wider-sample.py'

model = dict(verifier=dict(num_members=1))
