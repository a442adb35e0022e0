"""The Pégase (PC-SCOL) adapter: CAS authentication, IDT, INS, CHC, COC and ODF APIs."""

from smile_sis.pegase.adapter import PegaseSIS
from smile_sis.pegase.auth import CasTokenProvider, PegaseAuth, jwt_expiry
from smile_sis.pegase.config import PegaseConfig

__all__ = ["CasTokenProvider", "PegaseAuth", "PegaseConfig", "PegaseSIS", "jwt_expiry"]
