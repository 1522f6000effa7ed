"""SageMaker jobs and inference, one module per concern, each small enough to read whole:

- jobs: training, tuning, labeling and monitoring jobs (one check per control over every job type);
- images: container images from private registries;
- labeling: private workforces and human-review output;
- inference: feature groups, endpoint data capture and variants, inference experiments, governed data stores.
"""

from ml_dataset_governance.policies.rules.sagemaker_jobs import images, inference, jobs, labeling
from ml_dataset_governance.policies.rules.sagemaker_jobs.inference import INFERENCE_EXPERIMENT  # noqa: F401

RULES = jobs.RULES + images.RULES + labeling.RULES + inference.RULES
