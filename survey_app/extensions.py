"""The Flask extensions, created once and bound to the app in the factory."""

from typing import TYPE_CHECKING, ClassVar

from flask_babel import Babel
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import Table
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
babel = Babel()

# The tables derive from Model. At run time it is db.Model, which Flask-SQLAlchemy builds from Base
# and its own mixins. mypy cannot take a base class from an attribute of an object ("Name db.Model
# is not defined"), so it checks the tables against the same two parts written out.
if TYPE_CHECKING:
    from flask_sqlalchemy.model import Model as _FlaskModel

    class Model(_FlaskModel, Base):
        __abstract__ = True
        # Every table is declared with __tablename__, so each maps to a Table; SQLAlchemy types
        # __table__ as the wider FromClause, which has no insert(), update() or delete().
        __table__: ClassVar[Table]

else:
    Model = db.Model
