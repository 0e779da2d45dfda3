from django.urls import path

from prescriptions import views

app_name = "prescriptions"

urlpatterns = [
    path("", views.PrescriptionListView.as_view(), name="list"),
    path("upload/", views.PrescriptionUploadView.as_view(), name="upload"),
    path("<uuid:public_id>/", views.PrescriptionDetailView.as_view(), name="detail"),
    path("<uuid:public_id>/file/", views.PrescriptionFileView.as_view(), name="file"),
    path("acknowledge/<int:product_pk>/", views.RiskAcknowledgeView.as_view(), name="acknowledge"),
]
