"""gdesk-counter: counts the people in each queue zone of one camera on a spare PC and puts only the
counts on the cafeteria's Kinesis stream (``docs/counter.md``).

A separate program from the serverless app: it never imports ``chalicelib`` and needs only the
``counter`` extra (OpenCV, NumPy) and boto3. No frame leaves the device and none is written to disk,
except the snapshot an operator asks for with ``gdesk-counter calibrate``.
"""
