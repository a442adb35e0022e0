"""IIAs: serving SMILE's copies, reading partners' copies, approvals, and the IIA hash."""
