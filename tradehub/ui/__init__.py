"""Staff-facing presentation shared by every app: language selection, labelled local times,
badges (docs/admin.md)."""
