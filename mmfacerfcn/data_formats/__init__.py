"""Annotation formats and the embedded sample (numpy, scipy, Pillow; no torch).

One module per format: ``wider_face_txt`` (WIDER FACE's gt and file lists),
``fddb_ellipses`` (FDDB's fold files); ``annotation_files`` holds what they
share. ``face_coco`` is the one loop that writes faces as the COCO JSON of
``docs/wider_face_coco_format.md``, ``wider_face_coco`` and ``fddb_coco`` feed
it, and ``converter_cli`` is the command-line body of
``tools/dataset_converters/``. The WIDER val ``.mat`` files are read by the
evaluation's reader, :mod:`mmfacerfcn.evaluation.functional.wider_face_gt`.

``wider_sample`` writes the embedded sample in the official WIDER FACE layout;
``face_crops`` samples face and background crops from a training set.
Nothing here is registered: the training data are mmdet's ``CocoDataset``.
"""
