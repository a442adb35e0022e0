"""How SMILE reaches one university's Pégase instance."""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, SecretStr

from smile_sis.policy import SisConfigBase

__all__ = ["PEGASE_MODULES", "PegaseConfig"]

#: module -> host prefix: ``https://{prefix}.{instance}.pc-scol.fr``
PEGASE_MODULES: dict[str, str] = {
    "authn": "authn-app",
    "idt": "idt",
    "ins": "ins",
    "chc": "chc",
    "coc": "coc",
    "odf": "odf",
}


class PegaseConfig(SisConfigBase):
    """Connection to Pégase (PC-SCOL). Either ``instance`` (hosts ``{module}.{instance}.pc-scol.fr``) or
    explicit ``urls`` per module (``authn``, ``idt``, ``ins``, ``chc``, ``coc``, ``odf``)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["pegase"] = "pegase"
    instance: str | None = Field(default=None, examples=["pilote-unicaen"])
    urls: dict[str, str] = Field(default_factory=dict, description="Base URL per module, overriding `instance`")
    username: str = "svc-api"
    password: SecretStr
    structure_code: str = Field(examples=["ETAB00"], description="codeStructure of the establishment")
    timeout_seconds: float = Field(default=20.0, gt=0)
    #: renew the token this many seconds before its ``exp``
    token_renew_seconds: int = Field(default=60, ge=0)
    #: lifetime assumed when a token carries no ``exp``
    token_default_lifetime_seconds: int = Field(default=3600, ge=60)
    #: ``inject``: INS v1 injecter-inscriptions (sets régime, mobilité ENTRANTE, programme, pays at once);
    #: ``initiate``: INS v1 initier-inscription (régime and mobility are completed in Pégase by staff).
    enrolment_mode: Literal["inject", "initiate"] = "inject"
    enrolment_origin: str = "MANUEL"
    #: result codes (Pégase TypeResultat / resultat.code) meaning passed or failed
    passing_result_codes: list[str] = Field(default_factory=lambda: ["ADM", "ADMIS", "VAL", "ACQ", "ADJ", "TRE001"])
    failing_result_codes: list[str] = Field(default_factory=lambda: ["AJ", "AJR", "AJAC", "NVAL", "DEF", "ABI"])
    #: objet de formation types that group courses rather than being courses (year, semester, …)
    container_object_types: list[str] = Field(default_factory=lambda: ["ANNEE", "SEMESTRE", "PARCOURS", "BLOC"])
    #: the type code of semesters, used to give each course its term
    semester_object_type: str = "SEMESTRE"
    #: read descriptions and languages from ODF (one extra call per course)
    read_syllabus: bool = False
    concurrency: int = Field(default=4, ge=1, le=32)

    def base_url(self, module: str) -> str:
        if module in self.urls:
            return self.urls[module].rstrip("/")
        if not self.instance:
            raise ValueError(f"Pégase: give `instance` or `urls.{module}`")
        return f"https://{PEGASE_MODULES[module]}.{self.instance}.pc-scol.fr"
