from .safe_resume_runner import SafeResumeRunner

__all__ = ['SafeResumeRunner']
