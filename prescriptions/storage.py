from django.core.files.storage import FileSystemStorage


class PrivateFileSystemStorage(FileSystemStorage):
    """Local storage for files that must never have a public URL.

    Plain FileSystemStorage falls back to MEDIA_URL for ``url()``; this one
    refuses, so no template or API can ever link straight to a prescription.
    Files are served only by ``prescriptions.views.PrescriptionFileView``.
    """

    def url(self, name):
        raise ValueError("Prescription files have no public URL; serve them through the prescriptions:file view.")
