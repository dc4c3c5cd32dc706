"""MLflow "model from code" entry: logged as the pyfunc's ``python_model`` so that loading the
model imports this file instead of unpickling an object. It declares the model and nothing else."""

import mlflow.models

from models.pyfunc import BotsieveModel

mlflow.models.set_model(BotsieveModel())
