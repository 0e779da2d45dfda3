"""An upload handler that stops keeping a file once it is over the size limit.

Django would otherwise stream an upload of any size to a temporary file before
the form can say it is too big. This handler keeps counting, so the form still
learns the real size and tells the customer, but stores nothing past the limit.
"""

from io import BytesIO

from django.core.files.uploadedfile import InMemoryUploadedFile, UploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler


class SizeLimitedUploadHandler(TemporaryFileUploadHandler):
    def __init__(self, request=None, *, limit: int):
        super().__init__(request)
        self.limit = limit
        self.seen = 0

    def new_file(self, *args, **kwargs):
        self.seen = 0
        super().new_file(*args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        self.seen += len(raw_data)
        if self.seen > self.limit:
            return None  # count it, drop it
        return super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size) -> UploadedFile:
        if self.seen <= self.limit:
            return super().file_complete(file_size)
        self.file.close()
        # An empty stand-in that reports the real size, for the form's message.
        return InMemoryUploadedFile(
            file=BytesIO(),
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=self.seen,
            charset=self.charset,
        )
