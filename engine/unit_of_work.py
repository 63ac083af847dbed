"""One transaction: leave the block without commit() and everything rolls back."""

from sqlalchemy.orm.exc import StaleDataError

from engine.errors import Conflict


class UnitOfWork:
    def __init__(self, session_factory, info=None):
        self._session_factory = session_factory
        self._info = info or {}
        self.session = None

    def __enter__(self):
        self.session = self._session_factory()
        self.session.info.update(self._info)
        return self

    def __exit__(self, exc_type, exc, tb):
        # close() rolls back whatever was not committed and detaches objects without expiring them
        self.session.close()
        if exc_type is not None and issubclass(exc_type, StaleDataError):
            raise Conflict("the case was changed by someone else at the same time; reload and try again") from exc

    def commit(self):
        self.session.commit()
