"""The bundle as an MLflow pyfunc model: ``mlflow.pyfunc.load_model(uri).predict(accounts)``.

Input: a DataFrame of canonical accounts (``features.schema.ACCOUNT_DTYPES`` columns; missing
optional columns are NA). The whole frame is the scored population for cohort features. Output:
the same columns predict.py writes (account_id, bot_probability, is_bot, reasons, model_version).
Cadence features need posts, which a pyfunc input does not carry: they are NA here, exactly as in
predict.py without posts.
"""

from __future__ import annotations

import mlflow.pyfunc
import pandas as pd

from features.schema import conform_accounts
from models.bundle import Bundle


class BotsieveModel(mlflow.pyfunc.PythonModel):
    """Scores canonical accounts with a botsieve bundle."""

    def load_context(self, context) -> None:
        """Load the bundle logged as the ``bundle`` artifact."""
        self.bundle = Bundle.load(context.artifacts["bundle"])

    def predict(self, context, model_input: pd.DataFrame, params: dict | None = None
                ) -> pd.DataFrame:
        """Score ``model_input``; rows that break the account contract are an error."""
        conf = conform_accounts(model_input, file="pyfunc input")
        if len(conf.rejects):
            first = conf.rejects.iloc[0]
            raise ValueError(f"{len(conf.rejects)} input rows break the account contract, e.g. "
                             f"row {first['row']}: {first['reason']}")
        params = params or {}
        return self.bundle.score(conf.frame, precision=params.get("precision"),
                                 prior=params.get("prior"))
