"""Upload handlers that hold a whole request to a number of files and a total size.

Django streams every file part of a multipart request to a temporary file as
it arrives, before any view or form can look at it, and its only limit is on
the number of parts (DATA_UPLOAD_MAX_NUMBER_FILES, 100). So one request could
otherwise write a hundred files of any size to disk, on any page that reads
``request.POST``. These handlers keep counting what arrives but stop writing
once the request is over its limits: a file past them is replaced by an empty
stand-in that reports the size it had, and when the request holds too many
files, every file of it is marked refused (see ``refusal``), so the form says
what was wrong and nothing is stored.
"""

from io import BytesIO

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile, TemporaryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler

TOO_MANY_FILES = "too_many_files"
TOO_LARGE_IN_ALL = "too_large_in_all"


def refusal(upload: UploadedFile) -> str | None:
    """Why the request that brought ``upload`` went over its handler's limits, if it did."""
    return getattr(upload, "_refused_because", None)


class SizeLimitedUploadHandler(FileUploadHandler):
    """At most ``max_files`` files per request, and ``limit`` bytes over all of them."""

    def __init__(self, request=None, *, limit: int, max_files: int = 1):
        super().__init__(request)
        self.limit = limit
        self.max_files = max_files
        self.received = 0  # bytes of every file part so far, kept or not
        self.files = 0
        self.part_size = 0
        self.file = None
        self.refused = None
        self.returned: list[UploadedFile] = []

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.files += 1
        self.part_size = 0
        if self.files > self.max_files:
            self.refuse(TOO_MANY_FILES)
        if self.refused is None and self.received <= self.limit:
            self.file = TemporaryUploadedFile(
                self.file_name, self.content_type, 0, self.charset, self.content_type_extra
            )

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        self.part_size += len(raw_data)
        if self.received > self.limit:
            self.drop_file()
            if self.files > 1 and self.refused is None:
                # One file too large gets the size in its own message; several, this.
                self.refuse(TOO_LARGE_IN_ALL)
        if self.file is not None:
            self.file.write(raw_data)

    def file_complete(self, file_size) -> UploadedFile | None:
        if self.files > self.max_files:
            return None  # not even a stand-in: a request may carry many of them
        if self.file is not None:
            upload, self.file = self.file, None
            upload.seek(0)
            upload.size = file_size
        else:
            # An empty stand-in that reports the real size, for the form's message.
            upload = InMemoryUploadedFile(
                file=BytesIO(),
                field_name=self.field_name,
                name=self.file_name,
                content_type=self.content_type,
                size=self.part_size,
                charset=self.charset,
            )
        self.returned.append(upload)
        if self.refused is not None:
            upload._refused_because = self.refused
        return upload

    def upload_interrupted(self):
        self.drop_file()

    def refuse(self, reason: str) -> None:
        if self.refused is None:
            self.refused = reason
        self.drop_file()
        for upload in self.returned:
            upload._refused_because = self.refused

    def drop_file(self) -> None:
        if self.file is not None:
            self.file.close()  # a temporary file is deleted when closed
            self.file = None


class SiteUploadHandler(SizeLimitedUploadHandler):
    """The limits for every page but the prescription upload (FILE_UPLOAD_HANDLERS)."""

    def __init__(self, request=None):
        super().__init__(
            request, limit=settings.SHOP_UPLOAD_MAX_REQUEST_BYTES, max_files=settings.SHOP_UPLOAD_MAX_FILES
        )
